/**
 * The walking skeleton, end to end: a compose lab brought up by the CLI, driven by the real
 * kubectl; a Deployment reaches reachable containers through every component.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { labUp, labDown, compose } from '@kubelab/cli/lab';
import { kubectl, kubectlJson, kubectlOk, run, waitFor } from '../lib/kubectl.js';
import { httpGet } from '../lib/http.js';
import { E2E_ENV, repoRoot } from '../lib/lab.js';

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { containerID?: string; ready: boolean; restartCount: number }[];
  };
}
interface List<T> {
  items: T[];
}

const project = E2E_ENV.KUBELAB_PROJECT!;
const dir = mkdtempSync(join(tmpdir(), 'kubelab-e2e-'));
let kubeconfig = '';
const k = (args: string[], input?: string) => kubectl(args, { kubeconfig, input });
const kOk = (args: string[], input?: string) => kubectlOk(args, { kubeconfig, input });
const kJson = <T>(args: string[]) => kubectlJson<T>(args, { kubeconfig });

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: echo
        image: kubelab/echo
        ports:
        - containerPort: 80
`;

const isReady = (p: Pod) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function readyPods(): Promise<Pod[]> {
  const list = await kJson<List<Pod>>(['get', 'pods', '-l', 'app=web']);
  return list.items.filter(isReady);
}

describe('walking skeleton: kubectl → apiserver → controllers → scheduler → kubelet → kube-proxy', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    const lab = await labUp({ project, apiPort: Number(E2E_ENV.KUBELAB_API_PORT), nodes: 2, env: E2E_ENV, mergeKubeconfig: false, build: false });
    kubeconfig = lab.kubeconfig;
    console.log(`  lab up in ${lab.seconds.toFixed(1)}s, kubeconfig ${kubeconfig}`);
  });

  after(async () => {
    if (process.env.KUBELAB_E2E_KEEP !== '1') await labDown({ project, env: E2E_ENV });
  });

  it('shows 2 Ready nodes', async () => {
    const out = await kOk(['get', 'nodes']);
    assert.match(out, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/m);
    assert.equal(out.trim().split('\n').filter((l) => /\sReady\s/.test(l)).length, 2, out);
  });

  it('rejects a Deployment without spec.selector, and stores nothing', async () => {
    const bad = DEPLOY.replace('  selector:\n    matchLabels: {app: web}\n', '').replace('name: web', 'name: bad');
    const r = await k(['apply', '-f', '-'], bad);
    assert.notEqual(r.code, 0);
    // Upstream reports both: the missing selector, and (selecting nothing) that it does not match the template's labels.
    assert.match(r.stderr, /The Deployment "bad" is invalid: \n\* spec\.selector: Required value\n/);
    const get = await k(['get', 'deployment', 'bad']);
    assert.match(get.stderr, /NotFound.*deployments\.apps "bad" not found/);
  });

  it('rejects an unknown kind with a clear error', async () => {
    const r = await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Widget\nmetadata:\n  name: w\n');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no matches for kind "Widget" in version "v1"/);
  });

  it('runs a 3-replica Deployment of kubelab/echo on 2 nodes with distinct pod IPs', async () => {
    const file = join(dir, 'deploy.yaml');
    writeFileSync(file, DEPLOY);
    const t0 = Date.now();
    assert.match(await kOk(['apply', '-f', file]), /deployment\.apps\/web created/);
    const pods = await waitFor('3 ready web pods', async () => {
      const ready = await readyPods();
      return ready.length === 3 ? ready : undefined;
    }, 120_000);
    console.log(`  apply → 3 pods Running+Ready: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    assert.equal(new Set(pods.map((p) => p.status.podIP)).size, 3, 'distinct pod IPs');
    assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 2, 'spread over both nodes');
    const out = await kOk(['get', 'pods,deploy,rs,svc,nodes']);
    assert.match(out, /deployment\.apps\/web\s+3\/3/);
    assert.match(out, /replicaset\.apps\/web-\w+\s+3\s+3\s+3/);
  });

  let nodePort = 0;
  let clusterIP = '';
  it('exposes the Deployment as a NodePort service reachable from the host, round-robin', async () => {
    assert.match(await kOk(['expose', 'deployment', 'web', '--type=NodePort', '--port=80']), /service\/web exposed/);
    const svc = await kJson<{ spec: { clusterIP: string; ports: { nodePort: number }[] } }>(['get', 'svc', 'web']);
    nodePort = svc.spec.ports[0]!.nodePort;
    clusterIP = svc.spec.clusterIP;
    const [lo, hi] = E2E_ENV.KUBELAB_NODEPORT_RANGE!.split('-').map(Number);
    assert.ok(nodePort >= lo! && nodePort <= hi!, `nodePort ${nodePort} in range`);
    await waitFor('the node port to answer', async () => ((await httpGet(`http://127.0.0.1:${nodePort}/`)).status === 200 ? true : undefined), 30_000);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await httpGet(`http://127.0.0.1:${nodePort}/`);
      assert.equal(r.status, 200);
      const m = /hello from (\S+)/.exec(r.body);
      assert.ok(m, `echo answer: ${r.body}`);
      seen.add(m[1]!);
    }
    assert.ok(seen.size >= 2, `12 requests reached ${seen.size} pod(s): ${[...seen].join(', ')}`);
  });

  it('reaches the ClusterIP from inside a pod', async () => {
    const [pod] = await readyPods();
    const id = pod!.status.containerStatuses![0]!.containerID!.replace(/^docker:\/\//, '');
    // (busybox-static's `wget -T` crashes; `timeout` bounds it instead)
    const r = await run('docker', ['exec', id, 'timeout', '10', 'wget', '-qO-', `http://${clusterIP}:80/`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hello from web-/);
  });

  it('heals: docker rm -f of an app container → 3 ready pods again within a minute', async () => {
    const [pod] = await readyPods();
    const id = pod!.status.containerStatuses![0]!.containerID!.replace(/^docker:\/\//, '');
    const rm = await run('docker', ['rm', '-f', id]);
    assert.equal(rm.code, 0, rm.stderr);
    await waitFor('the removed container to be noticed', async () => {
      const p = await kJson<Pod>(['get', 'pod', pod!.metadata.name]).catch(() => undefined);
      if (!p) return true; // replaced
      const cs = p.status.containerStatuses?.[0];
      return cs && cs.containerID !== pod!.status.containerStatuses![0]!.containerID ? true : undefined;
    }, 30_000);
    await waitFor('3 ready web pods after the container was removed', async () => ((await readyPods()).length === 3 ? true : undefined), 60_000);
    const deploy = await kJson<{ status: { readyReplicas?: number } }>(['get', 'deploy', 'web']);
    await waitFor('deployment readyReplicas=3', async () => ((await kJson<{ status: { readyReplicas?: number } }>(['get', 'deploy', 'web'])).status.readyReplicas === 3 ? true : undefined), 30_000);
    assert.ok(deploy);
  });

  it('adds a third Ready node with compose --scale kubelet=3', async () => {
    const r = await compose({ project, env: E2E_ENV }, ['up', '-d', '--no-recreate', '--scale', 'kubelet=3']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('3 Ready nodes', async () => {
      const out = await kOk(['get', 'nodes', '--no-headers']);
      return out.trim().split('\n').filter((l) => /\sReady\s/.test(l)).length === 3 ? true : undefined;
    }, 90_000);
  });

  it('deletes everything with kubectl delete -f', async () => {
    const file = join(dir, 'deploy.yaml');
    assert.match(await kOk(['delete', '-f', file]), /deployment\.apps "web" deleted/);
    await kOk(['delete', 'service', 'web']);
    await waitFor('web pods and replicasets to be gone', async () => {
      const pods = await kJson<List<Pod>>(['get', 'pods', '-l', 'app=web']);
      const rs = await kJson<List<Pod>>(['get', 'rs', '-l', 'app=web']);
      return pods.items.length === 0 && rs.items.length === 0 ? true : undefined;
    }, 90_000);
    await waitFor('their containers to be removed', async () => {
      const r = await run('docker', ['ps', '-aq', '--filter', `label=io.kubelab.cluster=${E2E_ENV.KUBELAB_CLUSTER}`, '--filter', 'label=io.kubernetes.pod.namespace=default']);
      return r.stdout.trim() === '' ? true : undefined;
    }, 60_000);
  });

  it('kubelab down leaves no kubelab container behind', async () => {
    const r = await run(join(repoRoot, 'kubelab'), ['down'], { env: { ...process.env, ...E2E_ENV }, timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const ps = await run('docker', ['ps', '-aq', '--filter', `label=io.kubelab.cluster=${E2E_ENV.KUBELAB_CLUSTER}`]);
    assert.equal(ps.stdout.trim(), '', 'containers left behind');
  });
});
