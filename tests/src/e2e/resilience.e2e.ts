/**
 * Components restarted at awkward moments: the lab heals, nothing is duplicated or lost.
 */
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { httpGet } from '../lib/http.js';
import { run, waitFor } from '../lib/kubectl.js';
import { latestRestartCount, podContainers, serviceContainers, useE2eLab } from '../lib/e2e-lab.js';

interface Deploy {
  status: { readyReplicas?: number; replicas?: number };
}
interface PodList {
  items: { metadata: { name: string }; status: { phase?: string } }[];
}

const DEPLOY = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: echo, image: kubelab/echo, ports: [{containerPort: 80}]}
`;

const CRASHY = `apiVersion: v1
kind: ConfigMap
metadata: {name: crashy-config}
data: {GREETING: hello}
---
apiVersion: v1
kind: Pod
metadata: {name: crashy}
spec:
  containers:
  - name: c
    image: kubelab/busybox
    command: ["sh", "-c", "cat /config/GREETING; echo; echo $GREETING; sleep 1; exit 1"]
    envFrom: [{configMapRef: {name: crashy-config}}]
    volumeMounts: [{name: config, mountPath: /config}]
  volumes: [{name: config, configMap: {name: crashy-config}}]
`;

async function restart(service: string): Promise<void> {
  const ids = await serviceContainers(service);
  assert.ok(ids.length > 0, `a running ${service} container`);
  const r = await run('docker', ['restart', '-t', '2', ...ids], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
}

describe('resilience: components restarted', { timeout: 10 * 60_000 }, () => {
  const lab = useE2eLab(2);
  const readyReplicas = async (n: number) =>
    (await lab.kJson<Deploy>(['get', 'deploy', 'web'])).status.readyReplicas === n ? true : undefined;

  it('a restarted kubelet adopts its pods: same containers, none duplicated', async () => {
    await lab.kOk(['apply', '-f', '-'], DEPLOY(4));
    await waitFor('4 ready replicas', () => readyReplicas(4), 120_000);
    const before = await podContainers();
    assert.equal(before.length, 8, 'a pause and an app container per pod');
    await restart('kubelet');
    await waitFor(
      'both nodes Ready again',
      async () => {
        const out = await lab.kOk(['get', 'nodes', '--no-headers']);
        return out
          .trim()
          .split('\n')
          .filter((l) => /\sReady\s/.test(l)).length === 2
          ? true
          : undefined;
      },
      60_000,
    );
    // Give the restarted kubelets a full sync and housekeeping pass to (wrongly) act.
    const pods = await lab.kJson<PodList>(['get', 'pods', '-l', 'app=web']);
    assert.equal(pods.items.length, 4);
    await waitFor('4 ready replicas after the kubelet restart', () => readyReplicas(4), 60_000);
    assert.deepEqual(await podContainers(), before, 'the same containers still run');
  });

  it('an apiserver restart: watches resume, a scale-up converges', async () => {
    await restart('apiserver');
    await waitFor(
      'the apiserver to answer',
      async () => ((await lab.k(['get', 'ns', 'default'])).code === 0 ? true : undefined),
      60_000,
    );
    await lab.kOk(['scale', 'deploy', 'web', '--replicas=5']);
    await waitFor('5 ready replicas', () => readyReplicas(5), 90_000);
  });

  it('an etcd restart: the apiserver reconnects and writes land', async () => {
    await restart('etcd');
    await waitFor(
      'a write to succeed after the etcd restart',
      async () =>
        (await lab.k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: after-etcd}\n')).code ===
        0
          ? true
          : undefined,
      90_000,
    );
    await lab.kOk(['scale', 'deploy', 'web', '--replicas=3']);
    await waitFor(
      '3 replicas after the scale-down',
      async () => {
        const pods = await lab.kJson<PodList>(['get', 'pods', '-l', 'app=web']);
        return pods.items.length === 3 ? true : undefined;
      },
      90_000,
    );
  });

  it('the outage of issue 9: an object over the limit, etcd restarted after a compaction, then kubectl run is Running within seconds', async () => {
    // A client watch opened before the fault: it must go on, or end with an error — never hang silent.
    const watcher = spawn('kubectl', ['get', 'pods', '-w', '-o', 'name'], {
      env: { ...process.env, KUBECONFIG: lab.kubeconfig },
    });
    let seen = '';
    let said = '';
    let exited: number | null | undefined;
    watcher.stdout.on('data', (d: Buffer) => (seen += d.toString('utf8')));
    watcher.stderr.on('data', (d: Buffer) => (said += d.toString('utf8')));
    watcher.on('exit', (code) => (exited = code));
    try {
      const big = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'big' },
        spec: { containers: [{ name: 'c', image: 'kubelab/busybox', args: ['x'.repeat(2_500_000)] }] },
      });
      const refused = await lab.k(['create', '-f', '-'], big);
      assert.notEqual(refused.code, 0, 'the 2.5 MB pod is refused');
      assert.match(refused.stderr, /Request entity too large/);
      // Compact at etcd's current revision (its v3 JSON gateway, from inside its container), then restart it.
      const [etcd] = await serviceContainers('etcd');
      assert.ok(etcd, 'the etcd container');
      const gw = (path: string, body: string) =>
        run('docker', ['exec', etcd, 'wget', '-qO-', '--post-data', body, `http://127.0.0.1:2379/v3/${path}`]);
      const status = await gw('kv/range', '{"key":"AA==","count_only":true}');
      assert.equal(status.code, 0, status.stderr);
      const revision = Number((JSON.parse(status.stdout) as { header: { revision: string } }).header.revision);
      assert.equal(
        (await gw('kv/compaction', JSON.stringify({ revision: String(revision), physical: true }))).code,
        0,
        'compacted',
      );
      await restart('etcd');
      const t0 = Date.now();
      await waitFor(
        'kubectl run to succeed after the etcd restart',
        async () =>
          (await lab.k(['run', 'after-outage', '--image=kubelab/busybox', '--restart=Never', '--', 'sleep', '3600']))
            .code === 0
            ? true
            : undefined,
        90_000,
      );
      await waitFor(
        'the pod Running',
        async () =>
          (await lab.kJson<{ status: { phase?: string } }>(['get', 'pod', 'after-outage'])).status.phase === 'Running'
            ? true
            : undefined,
        60_000,
        250,
      );
      console.log(
        `  after-outage Running ${((Date.now() - t0) / 1000).toFixed(1)} s after etcd came back (scheduler and kubelet watches opened before the fault)`,
      );
      await waitFor(
        'the watch opened before the fault to show the pod, or to end',
        async () => (seen.includes('pod/after-outage') || exited !== undefined ? true : undefined),
        20_000,
        250,
      );
      console.log(
        `  kubectl get -w opened before: ${seen.includes('pod/after-outage') ? 'saw pod/after-outage' : `ended (exit ${String(exited)}: ${said.trim() || 'no message'})`}`,
      );
      // Gone with its containers before the next test counts containers.
      await lab.kOk(['delete', 'pod', 'after-outage', '--grace-period=1']);
      await waitFor(
        'the pod’s containers removed',
        async () =>
          (await podContainers()).length === 2 * (await lab.kJson<PodList>(['get', 'pods'])).items.length
            ? true
            : undefined,
        60_000,
      );
    } finally {
      watcher.kill();
    }
  });

  it('controller-manager and scheduler restarted mid-scale: the deployment converges, once', async () => {
    await lab.kOk(['scale', 'deploy', 'web', '--replicas=6']);
    await Promise.all([restart('controller-manager'), restart('scheduler')]);
    await waitFor('6 ready replicas', () => readyReplicas(6), 120_000);
    const pods = await lab.kJson<PodList>(['get', 'pods', '-l', 'app=web']);
    assert.equal(pods.items.length, 6, 'no extra pods');
    assert.equal((await podContainers()).length, 12);
  });

  it('a kube-proxy restart: the node port answers again', async () => {
    await lab.kOk(['expose', 'deployment', 'web', '--type=NodePort', '--port=80']);
    const svc = await lab.kJson<{ spec: { ports: { nodePort: number }[] } }>(['get', 'svc', 'web']);
    const url = `http://127.0.0.1:${svc.spec.ports[0]!.nodePort}/`;
    await waitFor(
      'the node port to answer',
      async () => ((await httpGet(url)).status === 200 ? true : undefined),
      30_000,
    );
    await restart('kube-proxy');
    await waitFor(
      'the node port to answer after the restart',
      async () => ((await httpGet(url)).status === 200 ? true : undefined),
      60_000,
    );
  });

  it('the apiserver stopped: a crash-looping pod with ConfigMap env and volume is still restarted', async () => {
    await lab.kOk(['apply', '-f', '-'], CRASHY);
    await waitFor(
      'crashy to have restarted once',
      async () =>
        ((await lab.kJson<{ status: { containerStatuses?: { restartCount: number }[] } }>(['get', 'pod', 'crashy']))
          .status.containerStatuses?.[0]?.restartCount ?? 0) >= 1
          ? true
          : undefined,
      60_000,
    );
    const logs = await lab.kOk(['logs', 'crashy']);
    assert.match(logs, /hello\s+hello/, 'the ConfigMap reached both the volume and the environment');
    const ids = await serviceContainers('apiserver');
    assert.ok(ids.length > 0, 'a running apiserver container');
    const before = await latestRestartCount('crashy', 'c');
    assert.equal((await run('docker', ['stop', '-t', '2', ...ids], { timeoutMs: 60_000 })).code, 0);
    try {
      // Upstream's kubelet keeps restarting it from what it read before; so must ours.
      await waitFor(
        'a restart while the apiserver is stopped',
        async () => ((await latestRestartCount('crashy', 'c')) > before ? true : undefined),
        90_000,
      );
    } finally {
      assert.equal((await run('docker', ['start', ...ids], { timeoutMs: 60_000 })).code, 0);
    }
    await waitFor(
      'the apiserver to answer',
      async () => ((await lab.k(['get', 'ns', 'default'])).code === 0 ? true : undefined),
      60_000,
    );
    await lab.kOk(['delete', 'pod', 'crashy', '--wait=true', '--timeout=60s']);
  });
});
