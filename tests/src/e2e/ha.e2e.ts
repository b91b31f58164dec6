/**
 * The HA profile (`kubelab up --ha`) on a real lab with the real kubectl: one apiserver, the etcd
 * raft leader, the leading scheduler and the leading controller-manager are killed in turn, and
 * each time a Deployment still scales and its NodePort Service still answers from the host; the
 * takeover times are printed. Then etcd loses quorum (2 of 3 members stopped): the API answers
 * clean 503s with Retry-After; with the members back, everything recovers by itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { labApiAccess, labDown, labUp, type ApiAccess } from '@kubelab/cli/lab';
import { httpGet } from '../lib/http.js';
import { E2E_ENV } from '../lib/lab.js';
import { kubectl, kubectlJson, kubectlOk, waitFor } from '../lib/kubectl.js';
import { podContainers } from '../lib/e2e-lab.js';
import {
  containerOf,
  docker,
  etcdLeader,
  etcdStatus,
  etcdMembers,
  holderService,
  rawRequest,
  secondsSince,
  TAKEOVER_BOUND_MS,
  waitForEtcdQuorum,
} from '../lib/ha-lab.js';

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: echo, image: kubelab/echo, ports: [{containerPort: 80}]}
`;

interface PodList {
  items: {
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: { phase?: string };
  }[];
}

describe('ha: every part of the control plane has a spare', { timeout: 15 * 60_000 }, () => {
  let kubeconfig = '';
  let api: ApiAccess;
  let nodePort = 0;
  const k = (args: string[], input?: string) => kubectl(args, { kubeconfig, input });
  const kOk = (args: string[], input?: string) => kubectlOk(args, { kubeconfig, input });
  const kJson = <T>(args: string[]) => kubectlJson<T>(args, { kubeconfig });
  const holder = async (lease: string): Promise<string> =>
    (await k(['get', 'lease', '-n', 'kube-system', lease, '-o', 'jsonpath={.spec.holderIdentity}'])).stdout.trim();

  /** Scales web to n and waits until n pods run (no more), all ready, and the node port answers. */
  async function serving(n: number, timeoutMs = 90_000): Promise<void> {
    await kOk(['scale', 'deploy', 'web', `--replicas=${n}`]);
    await waitFor(
      `${n} ready replicas of web`,
      async () => {
        const d = await kJson<{ status: { readyReplicas?: number; replicas?: number } }>(['get', 'deploy', 'web']);
        const pods = (await kJson<PodList>(['get', 'pods', '-l', 'app=web'])).items.filter(
          (p) => !p.metadata.deletionTimestamp,
        );
        return d.status.readyReplicas === n &&
          pods.length === n &&
          pods.every((p) => p.spec.nodeName && p.status.phase === 'Running')
          ? true
          : undefined;
      },
      timeoutMs,
    );
    await waitFor(
      'the node port to answer',
      async () => ((await httpGet(`http://127.0.0.1:${nodePort}/`)).status === 200 ? true : undefined),
      30_000,
    );
  }

  before(async () => {
    const up = await labUp({
      project: E2E_ENV.KUBELAB_PROJECT,
      apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
      nodes: 2,
      ha: true,
      env: E2E_ENV,
      mergeKubeconfig: false,
      build: false,
      timeoutMs: 5 * 60_000,
    });
    kubeconfig = up.kubeconfig;
    api = await labApiAccess({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV });
    console.log(`  up --ha: 3 etcd members and 2 nodes Ready in ${up.seconds.toFixed(1)} s`);
    // What every test below scales and reaches (set up here, so one failing test leaves the others theirs).
    await kOk(['apply', '-f', '-'], WEB);
    await kOk(['expose', 'deployment', 'web', '--type=NodePort', '--port=80']);
    nodePort = (await kJson<{ spec: { ports: { nodePort: number }[] } }>(['get', 'svc', 'web'])).spec.ports[0]!
      .nodePort;
    await serving(2);
  });
  after(async () => {
    if (process.env.KUBELAB_E2E_KEEP !== '1') await labDown({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV });
  });

  it('runs 3 etcd members, 2 apiservers behind the balancer, and one leader per Lease', async () => {
    await waitForEtcdQuorum();
    assert.deepEqual(await etcdMembers(), ['etcd-1', 'etcd-2', 'etcd-3']);
    for (const s of [
      'apiserver',
      'apiserver-2',
      'apiserver-lb',
      'scheduler',
      'scheduler-2',
      'controller-manager',
      'controller-manager-2',
    ])
      await containerOf(s);
    await waitFor(
      'both Leases held',
      async () => ((await holder('kube-scheduler')) && (await holder('kube-controller-manager')) ? true : undefined),
      60_000,
    );
    const table = await kOk(['get', 'leases', '-n', 'kube-system']);
    assert.match(table.split('\n')[0]!, /^NAME\s+HOLDER\s+AGE\s*$/);
    for (const lease of ['kube-scheduler', 'kube-controller-manager']) {
      const h = await holder(lease);
      assert.match(table, new RegExp(`^${lease}\\s+${h}\\s+\\S+`, 'm'));
      assert.ok(
        ['scheduler', 'scheduler-2', 'controller-manager', 'controller-manager-2'].includes(holderService(h)),
        h,
      );
    }
    const events = await kOk(['get', 'events', '-n', 'kube-system', '--field-selector', 'reason=LeaderElection']);
    assert.match(events, /lease\/kube-scheduler\s+\S+ became leader/);
    assert.match(events, /lease\/kube-controller-manager\s+\S+ became leader/);
  });

  it('an apiserver killed: kubectl, the components and the Service carry on', async () => {
    const victim = await containerOf('apiserver');
    const running = await podContainers();
    const t0 = Date.now();
    await docker(['kill', victim]);
    await waitFor(
      'the API to answer through the balancer',
      async () =>
        (await rawRequest(api, 'GET', '/api/v1/namespaces/default', undefined, 5_000).catch(() => undefined))
          ?.status === 200
          ? true
          : undefined,
      30_000,
      50,
    );
    const answered = secondsSince(t0);
    await kOk(['get', 'ns', 'default']);
    await serving(3);
    const now = new Set(await podContainers());
    assert.deepEqual(
      running.filter((id) => !now.has(id)),
      [],
      'the kubelets, relisting from the other apiserver, left every running container alone',
    );
    console.log(
      `  takeover: apiserver killed → the API answered through the balancer after ${answered}, the Deployment scaled 2→3 and its Service answered after ${secondsSince(t0)}`,
    );
    await docker(['start', victim]);
  });

  it('an etcd member killed (the raft leader): no request fails, and a new leader is elected', async () => {
    const leader = await waitForEtcdQuorum();
    const failures: string[] = [];
    let requests = 0;
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        for (const args of [
          ['get', 'ns', 'default', '-o', 'name'],
          ['annotate', '--overwrite', 'ns', 'default', `kubelab.io/ha-test=${i}`],
        ]) {
          const r = await k(args);
          requests++;
          if (r.code !== 0) failures.push(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`);
        }
      }
    })();
    await waitFor('some requests before the kill', async () => (requests >= 4 ? true : undefined), 30_000);
    const victim = await containerOf(leader);
    const t0 = Date.now();
    await docker(['kill', victim]);
    const next = await waitFor(
      'a new etcd leader',
      async () => {
        const l = await etcdLeader();
        return l && l !== leader ? l : undefined;
      },
      30_000,
      100,
    );
    const elected = secondsSince(t0);
    const before = requests;
    await waitFor('more requests after the election', async () => (requests >= before + 6 ? true : undefined), 60_000);
    stop = true;
    await load;
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
    await serving(4);
    console.log(
      `  takeover: etcd leader ${leader} killed → ${next} elected after ${elected}, ${requests} kubectl requests, none failed; the Deployment scaled 3→4 after ${secondsSince(t0)}`,
    );
    await docker(['start', victim]);
    await waitFor(
      `${leader} back in the cluster`,
      async () => ((await etcdStatus(leader)) && (await etcdLeader()) ? true : undefined),
      60_000,
    );
  });

  for (const [lease, scaleTo] of [
    ['kube-scheduler', 5],
    ['kube-controller-manager', 3],
  ] as const) {
    it(`the leading ${lease.replace('kube-', '')} killed: the standby takes over within the lease duration`, async () => {
      const old = await holder(lease);
      const victim = await containerOf(holderService(old));
      const t0 = Date.now();
      await docker(['kill', victim]);
      const next = await waitFor(
        `another holder of ${lease}`,
        async () => {
          const h = await holder(lease);
          return h && h !== old ? h : undefined;
        },
        30_000,
        250,
      );
      const took = Date.now() - t0;
      await serving(scaleTo);
      console.log(
        `  takeover: leading ${holderService(old)} killed → ${holderService(next)} holds ${lease} after ${(took / 1000).toFixed(1)} s; the Deployment scaled to ${scaleTo} after ${secondsSince(t0)}`,
      );
      assert.ok(took <= TAKEOVER_BOUND_MS, `the standby took over after ${took} ms (lease duration 8 s)`);
      assert.notEqual(holderService(next), holderService(old));
      await docker(['start', victim]);
    });
  }

  it('etcd quorum lost: clean 503s with Retry-After; restored: everything recovers by itself', async () => {
    await waitForEtcdQuorum();
    const stopped = ['etcd-2', 'etcd-3'];
    const ids = await Promise.all(stopped.map(containerOf));
    await docker(['stop', '-t', '2', ...ids]);
    const read = await rawRequest(api, 'GET', '/api/v1/namespaces/default/configmaps');
    const write = await rawRequest(
      api,
      'POST',
      '/api/v1/namespaces/default/configmaps',
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'during-outage' } }),
    );
    for (const [what, r] of [
      ['a read', read],
      ['a write', write],
    ] as const) {
      assert.equal(r.status, 503, `${what}: ${r.status} ${r.body}`);
      assert.ok(Number(r.headers['retry-after']) >= 1, `${what}: Retry-After ${String(r.headers['retry-after'])}`);
      const status = JSON.parse(r.body) as { kind: string; reason: string; message: string };
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'ServiceUnavailable');
      assert.match(status.message, /etcd is unavailable/);
    }
    assert.equal((await httpGet(`http://127.0.0.1:${nodePort}/`)).status, 200, 'the pods keep serving without etcd');
    const t0 = Date.now();
    await docker(['start', ...ids]);
    await waitFor(
      'the API to answer again',
      async () =>
        (await rawRequest(api, 'GET', '/api/v1/namespaces/default/configmaps')).status === 200 ? true : undefined,
      60_000,
    );
    const back = secondsSince(t0);
    assert.equal(
      (await k(['get', 'configmap', 'during-outage'])).code,
      1,
      'the write refused during the outage did not land later',
    );
    await serving(2, 120_000);
    console.log(
      `  recovery: etcd quorum lost → 503 + Retry-After in ${read.ms} ms (read) / ${write.ms} ms (write); members back → API answered after ${back}, the Deployment scaled to 2 after ${secondsSince(t0)}`,
    );
  });
});
