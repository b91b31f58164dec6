#!/usr/bin/env node
// Benchmark: what a pod's kube-api-access volume (token, ca.crt, namespace) costs the kubelet to set
// up and tear down on the real Docker engine, in the two ways the kubelet can write content volumes:
// a Docker named volume filled through a never-started helper container (the way without its own
// directory), and files it writes itself into its own directory and bind-mounts (volumes/localdir.ts,
// what the lab's kubelets do). The token comes from a stub (the TokenRequest itself is timed by
// `TOKEN_AB=1 node bench/pod-startup.mjs`). Prints figures, asserts nothing; no lab needed.
// Usage: npx tsc -b && node bench/token-volume.mjs   (N=40)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
const { DockerRuntime } = await import('@kubelab/kubelet/runtime/docker');
const { VolumeManager } = await import('@kubelab/kubelet/volumes/manager');
const { LocalContent } = await import('@kubelab/kubelet/volumes/localdir');

const N = Number(process.env.N ?? 40);
const cluster = `kubelab-bench-tokvol-${process.pid}`;
const log = pino({ level: 'silent' });
const runtime = new DockerRuntime({
  cluster,
  node: 'bench',
  network: 'none',
  pauseImage: 'kubelab/busybox:latest',
  pauseCommand: ['sleep', '2147483647'],
  log,
});
const objects = {
  configMap: async () => ({ 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }),
  secret: async () => undefined,
  services: async () => [],
  service: async () => undefined,
};
const tokens = { token: async () => `eyJhbGciOiJFUzI1NiJ9.${'x'.repeat(900)}.sig`, forget: () => undefined };
const volume = {
  name: 'kube-api-access-bnch1',
  projected: {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      {
        downwardAPI: {
          items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
        },
      },
    ],
  },
};
const pod = (i) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p${i}`, namespace: 'default', uid: `bench-${process.pid}-${i}` },
  spec: { containers: [{ name: 'c', image: 'busybox' }], volumes: [volume] },
});
const ctx = { podIP: '10.0.0.1', hostIP: '10.0.0.2', allocatable: { cpu: 1, memory: 0 } };

const pct = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))];
const fmt = (xs) => `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms (n=${xs.length})`;

async function measure(manager, label) {
  const up = [];
  const down = [];
  for (let i = 0; i < N + 2; i++) {
    const p = pod(`${label}-${i}`);
    const t0 = performance.now();
    await manager.setUp(p, ctx);
    const t1 = performance.now();
    await manager.tearDown(p.metadata.uid);
    const t2 = performance.now();
    if (i >= 2) up.push(t1 - t0), down.push(t2 - t1);
  }
  return { up, down };
}

const dir = mkdtempSync(join(tmpdir(), 'kubelab-bench-tokvol-'));
try {
  const viaDocker = await measure(
    new VolumeManager({ runtime, cluster, node: 'bench', log, objects, tokens }),
    'docker',
  );
  const local = await measure(
    new VolumeManager({
      runtime,
      cluster,
      node: 'bench',
      log,
      objects,
      tokens,
      local: new LocalContent({ path: dir, hostPath: dir }),
    }),
    'local',
  );
  console.log(
    `kube-api-access set-up, Docker volume + helper container: ${fmt(viaDocker.up)}; tear-down ${fmt(viaDocker.down)}`,
  );
  console.log(
    `kube-api-access set-up, the kubelet's own directory:      ${fmt(local.up)}; tear-down ${fmt(local.down)}`,
  );
} finally {
  await runtime.removeVolumes({ 'io.kubelab.cluster': cluster }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
