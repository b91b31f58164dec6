/**
 * The walking skeleton, end to end: a compose lab brought up by the CLI, driven by the real
 * kubectl; a Deployment reaches reachable containers through every component.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { compose } from '@kubelab/cli/lab';
import { run, waitFor } from '../lib/kubectl.js';
import { httpGet } from '../lib/http.js';
import { E2E_ENV, repoRoot } from '../lib/lab.js';
import { useE2eLab } from '../lib/e2e-lab.js';
import { assertEtcdFenced, assertGrpcRefusesStrangers, type ExposedNode } from '../lib/exposure.js';

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

const isReady = (p: Pod) =>
  p.status.phase === 'Running' &&
  !p.metadata.deletionTimestamp &&
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

describe('walking skeleton: kubectl → apiserver → controllers → scheduler → kubelet → kube-proxy', {
  timeout: 15 * 60_000,
}, () => {
  const lab = useE2eLab(2);
  const { k, kOk, kJson } = lab;
  const readyPods = async (): Promise<Pod[]> =>
    (await kJson<List<Pod>>(['get', 'pods', '-l', 'app=web'])).items.filter(isReady);

  it('shows 2 Ready nodes', async () => {
    const out = await kOk(['get', 'nodes']);
    assert.match(out, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/m);
    assert.equal(
      out
        .trim()
        .split('\n')
        .filter((l) => /\sReady\s/.test(l)).length,
      2,
      out,
    );
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
    const pods = await waitFor(
      '3 ready web pods',
      async () => {
        const ready = await readyPods();
        return ready.length === 3 ? ready : undefined;
      },
      120_000,
    );
    console.log(`  apply → 3 pods Running+Ready: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    assert.equal(new Set(pods.map((p) => p.status.podIP)).size, 3, 'distinct pod IPs');
    assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 2, 'spread over both nodes');
    // The Deployment's status follows its pods' readiness a moment later.
    const out = await waitFor(
      'the deployment and replicaset to report 3 ready',
      async () => {
        const o = await kOk(['get', 'pods,deploy,rs,svc,nodes']);
        return /deployment\.apps\/web\s+3\/3/.test(o) ? o : undefined;
      },
      30_000,
    );
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
    await waitFor(
      'the node port to answer',
      async () => ((await httpGet(`http://127.0.0.1:${nodePort}/`)).status === 200 ? true : undefined),
      30_000,
    );
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

  it('keeps etcd to the apiserver: a pod cannot connect to etcd, the apiserver can; gRPC is not on the host', async () => {
    const [pod] = await readyPods();
    await assertEtcdFenced(pod!.status.containerStatuses![0]!.containerID!.replace(/^docker:\/\//, ''));
  });

  it("refuses strangers on the gRPC ports: the apiserver without credentials or with another CA's certificate, the kubelet but for the apiserver", async () => {
    const nodes = await kJson<List<ExposedNode>>(['get', 'nodes']);
    await assertGrpcRefusesStrangers(nodes.items[0]!);
  });

  it('heals: docker rm -f of an app container → 3 ready pods again within a minute', async () => {
    const [pod] = await readyPods();
    const id = pod!.status.containerStatuses![0]!.containerID!.replace(/^docker:\/\//, '');
    const rm = await run('docker', ['rm', '-f', id]);
    assert.equal(rm.code, 0, rm.stderr);
    await waitFor(
      'the removed container to be noticed',
      async () => {
        const p = await kJson<Pod>(['get', 'pod', pod!.metadata.name]).catch(() => undefined);
        if (!p) return true; // replaced
        const cs = p.status.containerStatuses?.[0];
        return cs && cs.containerID !== pod!.status.containerStatuses![0]!.containerID ? true : undefined;
      },
      30_000,
    );
    await waitFor(
      '3 ready web pods after the container was removed',
      async () => ((await readyPods()).length === 3 ? true : undefined),
      60_000,
    );
    const deploy = await kJson<{ status: { readyReplicas?: number } }>(['get', 'deploy', 'web']);
    await waitFor(
      'deployment readyReplicas=3',
      async () =>
        (await kJson<{ status: { readyReplicas?: number } }>(['get', 'deploy', 'web'])).status.readyReplicas === 3
          ? true
          : undefined,
      30_000,
    );
    assert.ok(deploy);
  });

  it('adds a third Ready node with compose --scale kubelet=3', async () => {
    const r = await compose({ project, env: E2E_ENV }, ['up', '-d', '--no-recreate', '--scale', 'kubelet=3']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(
      '3 Ready nodes',
      async () => {
        const out = await kOk(['get', 'nodes', '--no-headers']);
        return out
          .trim()
          .split('\n')
          .filter((l) => /\sReady\s/.test(l)).length === 3
          ? true
          : undefined;
      },
      90_000,
    );
  });

  it("kubectl logs shows the echo server's request lines (pod, deploy/web, --tail, bad container)", async () => {
    const pods = await readyPods();
    const logs = await Promise.all(pods.map((p) => kOk(['logs', p.metadata.name])));
    for (const [i, l] of logs.entries())
      assert.match(l, new RegExp(`echo listening on :80 \\(tcp and udp\\) as ${pods[i]!.metadata.name}`), l);
    assert.ok(
      logs.some((l) => /"GET \/ HTTP\/1\.1" 200/.test(l)),
      `some pod logged the NodePort requests:\n${logs.join('\n')}`,
    );
    assert.match(await kOk(['logs', 'deploy/web']), /echo listening on :80 \(tcp and udp\) as web-/);
    const name = pods[0]!.metadata.name;
    const tail = await kOk(['logs', name, '--tail=1', '--timestamps']);
    assert.equal(tail.trimEnd().split('\n').length, 1, tail);
    assert.match(tail, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z /);
    const bad = await k(['logs', name, '-c', 'nope']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, new RegExp(`container "?nope"? is not valid for pod "?${name}"?`));
  });

  it('kubectl logs -f streams new request lines as they happen', async () => {
    const pods = await readyPods();
    const name = pods[0]!.metadata.name;
    const ip = pods[0]!.status.podIP!;
    const child = spawn('kubectl', ['logs', '-f', '--tail=0', name], {
      env: { ...process.env, KUBECONFIG: lab.kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const other = pods[1]!.status.containerStatuses![0]!.containerID!.replace(/^docker:\/\//, '');
      const r = await run('docker', ['exec', other, 'timeout', '10', 'wget', '-qO-', `http://${ip}:80/followed`]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor(
        'the followed request line',
        async () => (/"GET \/followed HTTP\/1\.1" 200/.test(out) ? true : undefined),
        15_000,
      );
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('kubectl exec runs commands in the pod: hostname, exit code, stdin', async () => {
    const [pod] = await readyPods();
    const name = pod!.metadata.name;
    assert.equal((await kOk(['exec', name, '--', 'hostname'])).trim(), name);
    const failed = await k(['exec', name, '--', 'sh', '-c', 'exit 3']);
    assert.equal(failed.code, 3, failed.stderr);
    assert.equal(await kOk(['exec', '-i', name, '--', 'cat'], 'through stdin\n'), 'through stdin\n');
  });

  it("kubectl port-forward reaches the pod's port from 127.0.0.1", async () => {
    const [pod] = await readyPods();
    const name = pod!.metadata.name;
    const child = spawn('kubectl', ['port-forward', `pod/${name}`, ':80'], {
      env: { ...process.env, KUBECONFIG: lab.kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const port = await waitFor(
        'port-forward to listen',
        async () => /Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(out)?.[1],
        20_000,
      );
      const r = await httpGet(`http://127.0.0.1:${port}/`);
      assert.equal(r.status, 200);
      assert.match(r.body, new RegExp(`hello from ${name}`));
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('runs a Job to completion (kubectl wait) and kubectl get all lists the new kinds', async () => {
    const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: x
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: kubelab/busybox
        command: ["sh", "-c", "echo done"]
`;
    await kOk(['apply', '-f', '-'], job);
    const waited = await k(['wait', '--for=condition=complete', 'job/x', '--timeout=60s']);
    assert.equal(waited.code, 0, waited.stderr + waited.stdout);
    assert.match(waited.stdout, /job\.batch\/x condition met/);
    const j = await kJson<{ status: { succeeded?: number; completionTime?: string } }>(['get', 'job', 'x']);
    assert.equal(j.status.succeeded, 1);
    assert.ok(j.status.completionTime);
    const all = await k(['get', 'all']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /job\.batch\/x\s+Complete\s+1\/1/);
    assert.match(all.stdout, /deployment\.apps\/web/);
    const logs = await k(['logs', 'job/x']);
    assert.equal(logs.stdout.trim(), 'done', logs.stderr);
    await kOk(['delete', 'job', 'x']);
    await waitFor(
      "the job's pods to be gone",
      async () => {
        const pods = await kJson<List<Pod>>(['get', 'pods', '-l', 'job-name=x']);
        return pods.items.length === 0 ? true : undefined;
      },
      60_000,
    );
  });

  it("kubectl drain moves a node's pods elsewhere through evictions; uncordon makes it schedulable again", async () => {
    const pods = await readyPods();
    const node = pods[0]!.spec.nodeName!;
    const r = await k(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=120s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`node/${node} (cordoned|drained)`));
    assert.match(r.stdout, /evicting pod default\/web-|pod\/web-\S+ evicted/);
    await waitFor(
      '3 ready web pods, none on the drained node',
      async () => {
        const ready = await readyPods();
        return ready.length === 3 && ready.every((p) => p.spec.nodeName !== node) ? true : undefined;
      },
      120_000,
    );
    assert.match(await kOk(['get', 'node', node]), /SchedulingDisabled/);
    assert.match(await kOk(['uncordon', node]), new RegExp(`node/${node} uncordoned`));
  });

  it('deletes everything with kubectl delete -f', async () => {
    const file = join(dir, 'deploy.yaml');
    assert.match(await kOk(['delete', '-f', file]), /deployment\.apps "web" deleted/);
    await kOk(['delete', 'service', 'web']);
    await waitFor(
      'web pods and replicasets to be gone',
      async () => {
        const pods = await kJson<List<Pod>>(['get', 'pods', '-l', 'app=web']);
        const rs = await kJson<List<Pod>>(['get', 'rs', '-l', 'app=web']);
        return pods.items.length === 0 && rs.items.length === 0 ? true : undefined;
      },
      90_000,
    );
    await waitFor(
      'their containers to be removed',
      async () => {
        const r = await run('docker', [
          'ps',
          '-aq',
          '--filter',
          `label=io.kubelab.cluster=${E2E_ENV.KUBELAB_CLUSTER}`,
          '--filter',
          'label=io.kubernetes.pod.namespace=default',
        ]);
        return r.stdout.trim() === '' ? true : undefined;
      },
      60_000,
    );
  });

  it('kubelab down leaves no kubelab container behind', async () => {
    const r = await run(join(repoRoot, 'kubelab'), ['down'], {
      env: { ...process.env, ...E2E_ENV },
      timeoutMs: 180_000,
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const ps = await run('docker', ['ps', '-aq', '--filter', `label=io.kubelab.cluster=${E2E_ENV.KUBELAB_CLUSTER}`]);
    assert.equal(ps.stdout.trim(), '', 'containers left behind');
  });
});
