#!/usr/bin/env node
// Benchmark: a ReplicaSet's scale-up through the real controller-manager (only its replicaset
// controller) and the real scheduler, each its own process, against the real apiserver + etcd on
// loopback (lib-loopback.mjs), with hollow Node objects (as bench/scheduler.mjs: nothing starts the
// pods). Prints, from the ReplicaSet's create, when every tenth of its pods was created (upstream's
// slow-start batches: 1, 2, 4, … up to 500 per sync) and bound. Goal (issue 17): a 1,000-replica
// ReplicaSet's pods all created in <= 2 s.
// Usage: npx tsc -b && node bench/replicaset.mjs [replicas=1000] [nodes=200]; BENCH_API_PROF=dir profiles the apiserver.
import os from 'node:os';
import { join } from 'node:path';
import { inFlight, procStats, root, sleep, startControlPlane, watchLines } from './lib-loopback.mjs';

const REPLICAS = Number(process.argv[2] ?? 1000);
const NODES = Number(process.argv[3] ?? 200);
const node = (name) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubelab.io/hollow': 'true' } },
  status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const rs = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'bench-rs' },
  spec: {
    replicas: REPLICAS,
    selector: { matchLabels: { app: 'bench-rs' } },
    template: {
      metadata: { labels: { app: 'bench-rs' } },
      spec: { containers: [{ name: 'c', image: 'kubelab/busybox' }] },
    },
  },
};

const cp = await startControlPlane({ prof: process.env.BENCH_API_PROF });
try {
  await inFlight(NODES, 16, (i) => cp.request('POST', '/api/v1/nodes', node(`hollow-${String(i).padStart(4, '0')}`)));
  const env = {
    KUBELAB_APISERVER: cp.grpc,
    KUBELAB_API_INSECURE: '1',
    KUBELAB_LEADER_ELECT: 'false',
    LOG_LEVEL: 'warn',
  };
  const cm = cp.spawnChild(
    [join(root, 'controller-manager/dist/main.js')],
    { ...env, KUBELAB_CONTROLLERS: 'replicaset' },
    ['ignore', 'ignore', 'inherit'],
  );
  const sched = cp.spawnChild([join(root, 'scheduler/dist/main.js')], env, ['ignore', 'ignore', 'inherit']);
  await sleep(2000); // both synced (their informers list a nearly empty cluster)
  const rv = JSON.parse((await cp.request('GET', '/api/v1/namespaces/default/pods')).text).metadata.resourceVersion;
  const created = [];
  const bound = new Set();
  const boundAt = [];
  let done;
  const finished = new Promise((r) => (done = r));
  const close = watchLines(cp, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, (line, now) => {
    const ev = JSON.parse(line);
    if (ev.type === 'ADDED') created.push(now);
    if (ev.object?.spec?.nodeName && !bound.has(ev.object.metadata.name)) {
      bound.add(ev.object.metadata.name);
      boundAt.push(now);
    }
    if (boundAt.length >= REPLICAS) done();
  });
  const cpu0 = [cm, sched, cp.apiserver].map((c) => procStats(c.pid).cpuSeconds);
  const t0 = performance.now();
  const r = await cp.request('POST', '/apis/apps/v1/namespaces/default/replicasets', rs);
  if (r.status !== 201) throw new Error(`create ReplicaSet: ${r.status} ${r.text.slice(0, 300)}`);
  await Promise.race([finished, sleep(120_000)]);
  close();
  const at = (xs, n) => ((xs[n - 1] - t0) / 1000).toFixed(2);
  const tenths = (xs) =>
    Array.from({ length: 10 }, (_, k) => at(xs, Math.max(1, Math.round(((k + 1) * xs.length) / 10)))).join(' ');
  const cpu = [cm, sched, cp.apiserver].map((c, i) => (procStats(c.pid).cpuSeconds - cpu0[i]).toFixed(2));
  console.log(
    `${REPLICAS}-replica ReplicaSet on ${NODES} hollow nodes (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`,
  );
  console.log(
    `  all ${created.length} pods created in ${at(created, created.length)} s (goal <= 2 s); each tenth at: ${tenths(created)} s`,
  );
  // Slow start: each batch (1, 2, 4, …) waits for the one before; a sync creates at most 500.
  const marks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 500, 501, 502, 504, 508, 516, 532, 564, 628, 756, 1000].filter(
    (n) => n <= created.length,
  );
  console.log(`  batch ends: ${marks.map((n) => `${n}@${at(created, n)}`).join(' ')}`);
  console.log(
    `  all ${boundAt.length} bound in ${at(boundAt, boundAt.length)} s = ${(boundAt.length / ((boundAt[boundAt.length - 1] - t0) / 1000)).toFixed(0)} pods/s; each tenth at: ${tenths(boundAt)} s`,
  );
  console.log(`  CPU: controller-manager ${cpu[0]} s, scheduler ${cpu[1]} s, apiserver ${cpu[2]} s`);
} finally {
  await cp.stop();
}
