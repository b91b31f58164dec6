/**
 * The fault suite of issue 16: each scenario injects one fault into a shared lab through the
 * testkit (the same faults as `kubelab chaos`), checks what must hold, and prints its recovery
 * time with the bound it must meet. Never retried: a flaky scenario is a bug to find. The lab
 * runs short node-lifecycle timings so that a lost kubelet is noticed within seconds.
 */
import { afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  attach,
  customProbe,
  deploymentAvailable,
  httpAnswers,
  httpProbe,
  isReady,
  recordWatch,
  rolledOut,
  startExperiment,
  stopExperiments,
  waitFor,
  type TestLab,
} from '@kubelab/testkit';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AckedWrite } from '@kubelab/client/watch-history';
import type { ScenarioReport } from '@kubelab/testkit/scenario-report';
import { useE2eLab } from '../lib/e2e-lab.js';
import { E2E_ENV, repoRoot } from '../lib/lab.js';
import { run } from '../lib/kubectl.js';
import {
  deployment,
  live,
  nodePortUrl,
  recovered,
  runningPodContainers,
  spread,
  writeConfigMap,
} from '../lib/faults-lib.js';

const TIMINGS = {
  KUBELAB_NODE_GRACE_SECONDS: '16',
  KUBELAB_POD_EVICTION_SECONDS: '4',
  KUBELAB_NODE_MONITOR_PERIOD_SECONDS: '2',
};

describe('faults: the lab heals', { timeout: 12 * 60_000 }, () => {
  useE2eLab(2, TIMINGS);
  let lab: TestLab;
  let url = '';
  const webAvailable = (n: number) => async () => {
    const d = await lab.client.deployment('web');
    return rolledOut(d) && d.status.availableReplicas === n;
  };

  /** A node cut off at `at`: the times until it is NotReady and until web's 3 pods run elsewhere. */
  const lostAndReplaced = async (node: string, at: number) => {
    await waitFor(
      async () => !isReady((await lab.client.nodes()).find((n) => n.metadata.name === node)!) || undefined,
      { timeout: 60_000, what: `${node} NotReady` },
    );
    const notReady = Date.now() - at;
    await waitFor(
      async () => {
        const pods = live(await lab.client.pods('default', 'app=web'));
        return (
          (pods.length === 3 && pods.every((p) => p.spec.nodeName !== node && p.status.phase === 'Running')) ||
          undefined
        );
      },
      { timeout: 90_000, what: `3 web pods Running off ${node}` },
    );
    return { notReady, replaced: Date.now() - at };
  };

  // A scenario that failed half-way leaves no fault behind for the next one.
  afterEach(async () => {
    stopExperiments();
    await lab?.healAll();
  });

  before(async () => {
    lab = await attach({ project: E2E_ENV.KUBELAB_PROJECT, env: { ...E2E_ENV, ...TIMINGS } });
    await lab.apply(deployment('web', 3));
    url = await nodePortUrl(lab, 'web');
    await waitFor(webAvailable(3), { timeout: 120_000, what: 'web available' });
    await waitFor(() => httpProbe('web', url).check(), { timeout: 60_000, what: `${url} answering` });
  });

  it('1. a pod’s container killed: restarted, and its Service keeps answering', async () => {
    const [pod] = live(await lab.client.pods('default', 'app=web'));
    assert.ok(pod, 'a web pod');
    const restarts = pod.status.containerStatuses?.[0]?.restartCount ?? 0;
    const x = await startExperiment('pod container killed', [
      httpProbe('web answers', url, 'continuous', { intervalMs: 200 }),
      deploymentAvailable(lab.client, 'web', 'end'),
    ]);
    const f = await x.inject(lab, { kind: 'kill', target: `pod/${pod.metadata.name}` });
    const restarted = await waitFor(
      async () => {
        const p = (await lab.client.pods('default', 'app=web')).find((q) => q.metadata.name === pod.metadata.name);
        return p &&
          (p.status.containerStatuses?.[0]?.restartCount ?? 0) > restarts &&
          p.status.containerStatuses?.[0]?.ready
          ? Date.now()
          : undefined;
      },
      { timeout: 60_000, what: `${pod.metadata.name} restarted and ready` },
    );
    await waitFor(webAvailable(3), { timeout: 60_000, what: 'web available' });
    const r = await x.finish();
    console.log(r.text);
    // A request already routed to the killed container is reset (as on any cluster, until the
    // endpoint goes or the container is back): the continuous probe may see a short outage, bounded
    // below; the Deployment must be available at the end.
    assert.ok(r.probes[1]!.held, r.text);
    const failed = r.probes[0]!.outages.reduce((sum, o) => sum + ((o.to ?? r.durationMs) - o.from), 0);
    assert.ok(recovered('1 container killed (restart)', restarted - f.at, 30_000));
    assert.ok(
      recovered('1 container killed (Service outage, total)', failed, 5_000),
      'the Service answers from the other pods',
    );
  });

  it('4. kube-proxy killed: every Service works again within seconds', async () => {
    const x = await startExperiment('kube-proxy killed', [
      httpProbe('web answers', url, 'continuous', { intervalMs: 200 }),
    ]);
    await x.inject(lab, { kind: 'kill', target: 'kube-proxy' });
    await waitFor(() => httpProbe('web', url).check(), { timeout: 60_000, what: `${url} answering again` });
    const dns = await lab.kubectl(['get', 'endpointslices', '-n', 'kube-system', '-o', 'name']);
    assert.ok(dns.trim().length > 0, 'kube-system Services still have endpoints');
    const r = await x.finish();
    console.log(r.text);
    assert.ok(r.probes[0]!.held, r.text);
    assert.ok(recovered('4 kube-proxy killed', r.recoveryMs, 20_000), r.text);
  });

  it('5. the scheduler killed while 20 pods are pending: all scheduled after it restarts, each once', async () => {
    const stopped = await lab.inject({ kind: 'stop', target: 'scheduler' });
    await lab.apply(
      deployment('many', 20).replace(
        'image: kubelab/echo, ports: [{containerPort: 80}]',
        'image: kubelab/busybox, command: [sleep, "3600"]',
      ),
    );
    await waitFor(async () => live(await lab.client.pods('default', 'app=many')).length === 20 || undefined, {
      timeout: 60_000,
      what: '20 pods created',
    });
    assert.equal(
      live(await lab.client.pods('default', 'app=many')).filter((p) => p.spec.nodeName).length,
      0,
      'none scheduled while the scheduler is stopped',
    );
    await stopped.heal();
    await lab.inject({ kind: 'kill', target: 'scheduler' }); // as it starts on the pending pods
    const t0 = Date.now();
    await waitFor(
      async () => live(await lab.client.pods('default', 'app=many')).every((p) => p.spec.nodeName) || undefined,
      { timeout: 90_000, what: 'all 20 scheduled' },
    );
    const pods = live(await lab.client.pods('default', 'app=many'));
    assert.equal(pods.length, 20, 'no pod made twice');
    console.log(`  spread: ${JSON.stringify(spread(pods))}`);
    assert.ok(recovered('5 scheduler killed with 20 pending', Date.now() - t0, 60_000));
    await lab.kubectl(['delete', 'deployment', 'many', '--wait=false']);
  });

  it('6. the controller-manager killed mid-rollout: the rollout completes, once', async () => {
    await lab.apply(deployment('web', 3, 'v2'));
    await waitFor(async () => ((await lab.client.deployment('web')).status.updatedReplicas ?? 0) >= 1 || undefined, {
      timeout: 60_000,
      what: 'the rollout under way',
    });
    const f = await lab.inject({ kind: 'kill', target: 'controller-manager' });
    await waitFor(webAvailable(3), { timeout: 120_000, what: 'the rollout complete' });
    assert.ok(recovered('6 controller-manager killed mid-rollout', Date.now() - f.at, 90_000));
    const rs = await lab.client.list<{
      spec: { replicas: number; template: { spec: { containers: { env?: { value: string }[] }[] } } };
    }>('/apis/apps/v1/namespaces/default/replicasets', 'app=web');
    const v2 = rs.filter((r) => r.spec.template.spec.containers[0]?.env?.[0]?.value === 'v2');
    assert.equal(v2.length, 1, 'one ReplicaSet of the new template');
    assert.equal(v2[0]!.spec.replicas, 3);
    assert.deepEqual(
      rs.filter((r) => r !== v2[0]).map((r) => r.spec.replicas),
      rs.length > 1 ? Array(rs.length - 1).fill(0) : [],
      'the old ones scaled to 0',
    );
    await waitFor(async () => live(await lab.client.pods('default', 'app=web')).length === 3 || undefined, {
      timeout: 60_000,
      what: 'exactly 3 web pods',
    });
  });

  /*
   * What `chaos partition <node>` cuts: the kubelet's container leaves the lab network (it keeps
   * its address for the heal), so the kubelet reaches neither the apiservers (no heartbeats, no
   * watches, no status) nor its pods (no probes), and nothing reaches its port (logs, exec). The
   * pods are containers of their own on the lab network (the kubelet drives Docker through its
   * socket, not the network): they run on and answer, as upstream, where a kubelet cut off from
   * the API leaves its pods alone. So the fence is the kubelet's, once it is back: it sees its
   * pods deleted (the node lifecycle controller evicted them) and removes their containers.
   */
  it('3. a node partitioned: NotReady, its pods replaced elsewhere; healed, its old pods fenced, no duplicates', async () => {
    const before = live(await lab.client.pods('default', 'app=web'));
    const perNode = Object.entries(spread(before)).sort((a, b) => a[1] - b[1]);
    const node = perNode[0]![0]; // the node with the fewest web pods: the others keep the Service answering
    const old = before.filter((p) => p.spec.nodeName === node);
    const oldNames = old.map((p) => p.metadata.name).sort();
    const x = await startExperiment('node partitioned', [
      httpProbe('web answers', url, 'continuous', { intervalMs: 200 }),
    ]);
    const f = await x.inject(lab, { kind: 'partition', target: node });
    const { notReady, replaced } = await lostAndReplaced(node, f.at);
    // While cut off: the old pods' containers run on and answer on their addresses (not fenced yet).
    const during = await runningPodContainers();
    assert.deepEqual(
      oldNames.filter((n) => during.has(n)),
      oldNames,
      `the partitioned node's pods still run (${node} cut off from the network, not stopped)`,
    );
    for (const p of old) await httpAnswers(`http://${p.status.podIP}/`)();
    const running = [...during.keys()].filter((n) => n.startsWith('web-')).length;
    console.log(
      `  while ${node} is cut off: ${running} web pods run (3 + ${oldNames.length} not fenced yet), ${oldNames.join(', ')} answering on their pod IPs`,
    );
    const h = Date.now();
    await f.heal();
    await waitFor(async () => isReady((await lab.client.nodes()).find((n) => n.metadata.name === node)!) || undefined, {
      timeout: 60_000,
      what: `${node} Ready again`,
    });
    const readyAgain = Date.now() - h;
    await waitFor(
      async () => {
        const objects = new Set((await lab.client.pods('default', 'app=web')).map((p) => p.metadata.name));
        const containers = await runningPodContainers();
        return oldNames.every((n) => !objects.has(n) && !containers.has(n)) || undefined;
      },
      { timeout: 60_000, what: `${oldNames.join(', ')} fenced (containers and objects gone)` },
    );
    const fenced = Date.now() - h;
    const pods = await lab.client.pods('default', 'app=web');
    const containers = await runningPodContainers();
    const web = [...containers.keys()].filter((n) => n.startsWith('web-'));
    assert.equal(pods.length, 3, 'exactly 3 web pods');
    assert.deepEqual(web.sort(), pods.map((p) => p.metadata.name).sort(), 'exactly their containers run');
    const r = await x.finish();
    console.log(r.text);
    const outage = r.probes[0]!.outages.reduce((sum, o) => sum + ((o.to ?? r.durationMs) - o.from), 0);
    assert.ok(r.probes[0]!.held, r.text);
    assert.ok(recovered('3 node partitioned (NotReady)', notReady, 40_000));
    assert.ok(recovered('3 node partitioned (pods replaced)', replaced, 70_000));
    assert.ok(recovered('3 node partitioned (healed: Ready again)', readyAgain, 30_000));
    assert.ok(recovered('3 node partitioned (healed: old pods fenced)', fenced, 40_000));
    assert.ok(recovered('3 node partitioned (Service outage, total)', outage, 10_000));
  });

  it('2. a kubelet lost: node NotReady, its pods replaced elsewhere; back, stale pods gone, no duplicates', async () => {
    const before = live(await lab.client.pods('default', 'app=web'));
    const node = before[0]!.spec.nodeName!;
    const x = await startExperiment('kubelet lost', [httpProbe('web answers', url, 'continuous', { intervalMs: 500 })]);
    const f = await x.inject(lab, { kind: 'stop', target: node });
    const { notReady, replaced } = await lostAndReplaced(node, f.at);
    await f.heal();
    await waitFor(async () => isReady((await lab.client.nodes()).find((n) => n.metadata.name === node)!) || undefined, {
      timeout: 60_000,
      what: `${node} Ready again`,
    });
    await waitFor(async () => (await lab.client.pods('default', 'app=web')).length === 3 || undefined, {
      timeout: 60_000,
      what: 'the stale pods removed',
    });
    const r = await x.finish();
    console.log(r.text);
    assert.ok(recovered('2 kubelet lost (NotReady)', notReady, 40_000));
    assert.ok(recovered('2 kubelet lost (pods replaced)', replaced, 70_000));
    assert.ok(r.probes[0]!.held, r.text);
    assert.deepEqual(
      Object.keys(spread(await lab.client.pods('default', 'app=web'))).includes(node),
      false,
      'no pod left on the old node',
    );
  });

  it('7. the apiserver restarted during watches: the watcher resumes with no gap', async () => {
    const rec = await recordWatch(lab.client, '/api/v1/namespaces/default/configmaps');
    const acked: AckedWrite[] = [];
    let restartedAt = 0;
    let firstAfter = 0;
    let restarting: Promise<unknown> = Promise.resolve();
    let restarted = false; // the restart call returned: the component is up again
    let wasDown = false;
    for (let i = 0; (acked.length < 30 || !restarted) && i < 600; i++) {
      if (acked.length === 10 && !restartedAt) {
        restarting = lab.inject({ kind: 'restart', target: 'apiserver' }); // writes go on meanwhile
        restartedAt = Date.now();
        void restarting.then(() => (restarted = true));
      }
      const w = await writeConfigMap(lab.client, 'default', `watch-${i}`, String(i));
      if (w) acked.push(w);
      if (!w && restartedAt) wasDown = true;
      if (w && wasDown && !firstAfter) firstAfter = Date.now();
      if (!w) await new Promise((r) => setTimeout(r, 200)); // the apiserver is away: try again shortly
    }
    await restarting;
    assert.ok(acked.length >= 30, '30 writes acknowledged');
    const h = await rec.check(acked);
    console.log(`  watch history: ${h.text}`);
    assert.ok(h.ok, h.text);
    assert.ok(
      recovered(
        `7 apiserver restarted (writes again${wasDown ? '' : '; none refused'})`,
        firstAfter ? firstAfter - restartedAt : 0,
        60_000,
      ),
    );
  });

  it('8. etcd restarted: refused meanwhile, then no acknowledged write lost', async () => {
    const acked: AckedWrite[] = [];
    let refused = 0;
    let restartedAt = 0;
    let firstAfter = 0;
    let restarting: Promise<unknown> = Promise.resolve();
    let restarted = false; // the restart call returned: the component is up again
    let wasDown = false;
    for (let i = 0; (acked.length < 20 || !restarted) && i < 600; i++) {
      if (acked.length === 5 && !restartedAt) {
        restarting = lab.inject({ kind: 'restart', target: 'etcd' }); // writes go on meanwhile
        restartedAt = Date.now();
        void restarting.then(() => (restarted = true));
      }
      const w = await writeConfigMap(lab.client, 'default', `etcd-${i}`, String(i));
      if (w) acked.push(w);
      else refused++;
      if (!w && restartedAt) wasDown = true;
      if (w && wasDown && !firstAfter) firstAfter = Date.now();
      if (!w) await new Promise((r) => setTimeout(r, 200));
    }
    await restarting;
    assert.ok(acked.length >= 20, '20 writes acknowledged');
    const present = new Map(
      (
        await lab.client.list<{ metadata: { name: string; resourceVersion: string } }>(
          '/api/v1/namespaces/default/configmaps',
        )
      ).map((c) => [`default/${c.metadata.name}`, Number(c.metadata.resourceVersion)]),
    );
    const lost = acked.filter((w) => !((present.get(w.key) ?? 0) >= w.rv));
    console.log(`  ${refused} writes refused during the restart; ${lost.length} acknowledged writes lost`);
    assert.deepEqual(lost, []);
    assert.ok(
      recovered(
        `8 etcd restarted (writes again${wasDown ? '' : '; none refused'})`,
        firstAfter ? firstAfter - restartedAt : 0,
        60_000,
      ),
    );
  });

  it('12b. 10% packet loss on a kubelet (no netem here: loss, not delay): its node stays Ready, pods still start', async () => {
    const node = (await lab.client.nodes())[0]!.metadata.name;
    const x = await startExperiment('kubelet with packet loss', [
      customProbe(
        `${node} Ready`,
        'continuous',
        async () => isReady((await lab.client.nodes()).find((n) => n.metadata.name === node)!),
        1000,
      ),
    ]);
    const f = await x.inject(lab, { kind: 'loss', target: node, percent: 10 });
    await lab.apply(deployment('lossy', 2).replace('containers:', `nodeName: ${node}\n      containers:`));
    await waitFor(async () => (await lab.client.deployment('lossy')).status.availableReplicas === 2 || undefined, {
      timeout: 90_000,
      what: `2 pods available on ${node}`,
    });
    const started = Date.now() - f.at;
    await f.heal();
    const r = await x.finish();
    console.log(r.text);
    assert.ok(r.ok, r.text);
    assert.ok(recovered('12b 10% loss on a kubelet (pods started)', started, 60_000));
    await lab.kubectl(['delete', 'deployment', 'lossy', '--wait=false']);
  });

  it('12. 200 ms latency on kubelet↔apiserver (a delay proxy without netem): its node stays Ready, pods still start', async () => {
    const D = 200;
    const node = (await lab.client.nodes())[0]!.metadata.name;
    const readySince = async () =>
      (
        (await lab.client.nodes())
          .find((n) => n.metadata.name === node)!
          .status?.conditions?.find((c) => c.type === 'Ready') as { lastTransitionTime?: string } | undefined
      )?.lastTransitionTime;
    const inspect = async (name: string) => {
      const r = await run('docker', ['inspect', name]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout)[0] as {
        State: { Pid: number };
        NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
      };
    };
    const [kubelet] = await lab.chaos.targets(node);
    const [apiserver] = await lab.chaos.targets('apiserver');
    const pid = (await inspect(kubelet!.id)).State.Pid;
    const apiIp = (await inspect(apiserver!.id)).NetworkSettings.Networks[E2E_ENV.KUBELAB_NETWORK!]!.IPAddress;
    // A TCP connect and TLS handshake to apiserver:7000 from the kubelet's network namespace (root,
    // so not exempt from the REDIRECT): one round trip of what the kubelet sends.
    const hello = `const t=performance.now();const s=require('tls').connect({host:'${apiIp}',port:7000,rejectUnauthorized:false,ALPNProtocols:['h2']},()=>{console.log((performance.now()-t).toFixed(1));s.destroy()});s.on('error',e=>{console.error(e.message);process.exit(1)})`;
    const handshake = async () => {
      const r = await run('nsenter', ['-t', String(pid), '-n', process.execPath, '-e', hello]);
      assert.equal(r.code, 0, r.stderr);
      return Number(r.stdout.trim());
    };
    const inNs = async (argv: string[]) => (await run('nsenter', ['-t', String(pid), '-n', ...argv])).stdout;
    const before = Math.min(await handshake(), await handshake(), await handshake());
    const since = await readySince();

    const x = await startExperiment('kubelet with 200 ms latency to the apiserver', [
      customProbe(
        `${node} Ready`,
        'continuous',
        async () => isReady((await lab.client.nodes()).find((n) => n.metadata.name === node)!),
        1000,
      ),
    ]);
    const f = await x.inject(lab, { kind: 'latency', target: node, delayMs: D });
    const rec = (await lab.chaos.faults()).find((r) => r.kind === 'latency' && r.container.id === kubelet!.id)!;
    console.log(`  fault: ${rec.detail} (proxy PID ${rec.proxyPid})`);
    assert.ok(rec.proxyPid, 'the proxy is recorded');
    assert.match(
      rec.detail,
      new RegExp(`200ms delay to apiserver \\(.*${apiIp.replace(/\./g, '\\.')}:7000.*\\) via a delay proxy`),
    );
    const during = [await handshake(), await handshake(), await handshake()];
    console.log(
      `  TLS handshake to apiserver:7000 from ${node}: ${before.toFixed(1)} ms before, ${during.join(', ')} ms with the fault`,
    );
    assert.ok(Math.min(...during) >= D, `each handshake takes ≥ ${D} ms with the fault`);
    assert.ok(before < D, `and < ${D} ms without (${before} ms)`);

    await lab.apply(deployment('slow', 1).replace('containers:', `nodeName: ${node}\n      containers:`));
    const applied = Date.now();
    await waitFor(async () => (await lab.client.deployment('slow')).status.availableReplicas === 1 || undefined, {
      timeout: 90_000,
      what: `a pod available on ${node}`,
    });
    const started = Date.now() - applied;
    // The kubelet reconnected through the proxy (its established connections were reset).
    const viaProxy = (await inNs(['ss', '-tnH', 'state', 'established', 'src', '127.0.0.1']))
      .split('\n')
      .filter((l) => /^127\.0\.0\.1:39\d\d\d$/.test(l.trim().split(/\s+/)[2] ?? '')).length;
    console.log(`  ${viaProxy} connection(s) of ${node} through the proxy; pod available ${started} ms after apply`);
    assert.ok(viaProxy >= 1, 'the kubelet talks to the apiserver through the proxy');
    assert.ok(started >= D, `the pod took ≥ ${D} ms from apply to available (${started} ms)`);
    // Longer than the node grace period (16 s): a heartbeat lost to the delay would show.
    const hold = 25_000 - (Date.now() - f.at);
    if (hold > 0) await new Promise((r) => setTimeout(r, hold));
    const held = Date.now() - f.at;
    await f.heal();
    const r = await x.finish();
    console.log(r.text);
    assert.ok(r.ok, r.text);
    assert.equal(await readySince(), since, `${node}'s Ready condition never changed`);
    // Healed exactly: no proxy, no rule; handshakes fast again.
    assert.ok(!existsSync(`/proc/${rec.proxyPid}`), 'the proxy is gone');
    assert.doesNotMatch(await inNs(['iptables', '-t', 'nat', '-S']), /kubelab-chaos/);
    const after = Math.min(await handshake(), await handshake(), await handshake());
    console.log(`  after heal: ${after.toFixed(1)} ms; fault held ${held} ms`);
    assert.ok(after < D, `handshake < ${D} ms after heal`);
    assert.ok(held >= 25_000);
    assert.ok(recovered('12 200ms latency on a kubelet (pod available)', started, 60_000));
    await lab.kubectl(['delete', 'deployment', 'slow', '--wait=false']);
  });

  it('13. the controller-manager’s clock skewed +90 s: no node NotReady, no pod evicted, web stays available', async () => {
    type Conditioned = {
      status: { conditions?: { type: string; lastTransitionTime?: string; lastUpdateTime?: string }[] };
    };
    const readySince = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        (await lab.client.list<Conditioned & { metadata: { name: string } }>('/api/v1/nodes')).map((n) => [
          n.metadata.name,
          n.status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '',
        ]),
      );
    const uids = async (): Promise<string[]> =>
      live(await lab.client.pods('default', 'app=web'))
        .map((p) => p.metadata.uid ?? '')
        .sort();
    /** How far the controller-manager's clock is from ours: by the time it stamps a new Deployment's condition. */
    const skewSeen = async (name: string): Promise<number | undefined> => {
      const d = await lab.client.get<Conditioned>(`/apis/apps/v1/namespaces/default/deployments/${name}`);
      const t = d.status.conditions?.find((c) => c.type === 'Progressing')?.lastUpdateTime;
      return t ? Date.parse(t) - Date.now() : undefined; // RFC 3339 seconds: within a second or two
    };
    /**
     * Makes Deployments clock-1, clock-2, ... one after another until the controller-manager stamps
     * one on a clock for which `ok(skew)` holds: a stamp made before it read its clock file again
     * (it looks once a second) shows the clock it had, so it asks for a new Deployment.
     */
    const probes: string[] = [];
    const probeClock = (ok: (skewMs: number) => boolean, what: string) =>
      waitFor(
        async () => {
          const last = probes[probes.length - 1];
          const skew = last === undefined ? undefined : await skewSeen(last);
          if (skew !== undefined && ok(skew)) return true;
          if (last === undefined || skew !== undefined) {
            const name = `clock-${probes.length + 1}`;
            await lab.apply(deployment(name, 1));
            probes.push(name);
          }
          return undefined;
        },
        { timeout: 30_000, what },
      );
    const nodesBefore = await readySince();
    const podsBefore = await uids();
    assert.equal(podsBefore.length, 3);
    const x = await startExperiment('controller-manager clock +90 s', [
      customProbe(
        'every node Ready',
        'continuous',
        async () => (await lab.client.nodes()).every((n) => isReady(n)),
        1000,
      ),
      deploymentAvailable(lab.client, 'web', 'continuous'),
      httpProbe('web answers', url, 'continuous', { intervalMs: 500 }),
    ]);
    const f = await x.inject(lab, { kind: 'clock-skew', target: 'controller-manager', offsetMs: 90_000 });
    await probeClock((skew) => skew > 60_000, "the controller-manager's controllers on a clock 90 s ahead");
    const seen = Date.now() - f.at;
    // Held for longer than the suite's node grace period (16 s) twice over, the monitor (2 s) at work.
    await new Promise((r) => setTimeout(r, 32_000));
    assert.deepEqual(await uids(), podsBefore, 'no web pod evicted or replaced while skewed');
    await f.heal();
    await probeClock((skew) => Math.abs(skew) < 20_000, "the controller-manager's clock back");
    const back = Date.now() - (f.healedAt ?? f.at);
    await new Promise((r) => setTimeout(r, 20_000)); // the -90 s step of the heal, over a grace period too
    const r = await x.finish();
    console.log(r.text);
    assert.ok(r.ok, r.text);
    assert.deepEqual(await uids(), podsBefore, 'no web pod evicted or replaced');
    assert.deepEqual(await readySince(), nodesBefore, "no node's Ready condition changed, even for a moment");
    assert.ok(recovered('13 controller-manager clock +90 s (skew in effect)', seen, 15_000));
    assert.ok(recovered('13 controller-manager clock +90 s (healed: clock back)', back, 15_000));
    await lab.kubectl(['delete', 'deployment', ...probes, '--wait=false']);
  });

  it('14. kubelab chaos run: kube-proxy killed, the scheduler paused, a random web pod killed; reported and healed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaos-run-'));
    const cli = (file: string, ...args: string[]) =>
      run('node', [join(repoRoot, 'cli/dist/main.js'), '-p', lab.project, 'chaos', 'run', file, ...args], {
        env: { ...process.env, ...E2E_ENV, ...TIMINGS },
        timeoutMs: 180_000,
      });
    const file = join(dir, 'scenario.yaml');
    await writeFile(
      file,
      `name: e2e-proxy-and-scheduler
seed: 7
recover: 60s
probes:
  - http: {url: "${url}", timeout: 1s}
    name: web
    interval: 250ms
  - deployment: {name: web}
steps:
  - {at: 0s, fault: kill kube-proxy}
  - {at: 1s, fault: pause scheduler, for: 4s}
  - {at: 2s..3s, fault: kill random pod app=web}
`,
    );
    const t0 = Date.now();
    const r = await cli(file, '--json');
    const wall = Date.now() - t0;
    console.log(r.stderr.trimEnd());
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}${r.stdout}`);
    const report = JSON.parse(r.stdout) as ScenarioReport;
    console.log(`  report: ${JSON.stringify({ steps: report.steps, probes: report.probes })}`);
    assert.deepEqual(
      [report.name, report.seed, report.ok, report.healed, report.leftover],
      ['e2e-proxy-and-scheduler', 7, true, true, []],
    );
    const [kill, pause, pod] = report.steps;
    assert.equal(kill?.target, 'kube-proxy');
    assert.ok(kill.injectedAtMs! >= 0 && kill.doneAtMs! >= kill.injectedAtMs!, JSON.stringify(kill));
    assert.equal(pause?.target, 'scheduler');
    assert.ok(pause.injectedAtMs! >= 1000, JSON.stringify(pause));
    assert.ok(pause.lastedMs! >= 4000 && pause.lastedMs! < 20_000, `paused for ${pause.lastedMs} ms`);
    assert.match(pod?.target ?? '', /^pod\/default\/web-/);
    assert.ok(pod!.injectedAtMs! >= 2000, JSON.stringify(pod));
    assert.ok(report.steps.every((st) => !st.error));
    for (const p of report.probes) {
      assert.deepEqual([p.ok, p.start.ok, p.end.ok], [true, true, true], JSON.stringify(p));
      assert.ok(p.checks > 3, `${p.name}: ${p.checks} checks`);
      for (const o of p.outages) {
        assert.ok(o.toMs !== undefined && o.recoveryMs !== undefined && o.step !== undefined, JSON.stringify(o));
        assert.ok(recovered(`14 chaos run: ${p.name} after step ${o.step}`, o.recoveryMs, 60_000));
      }
    }
    assert.deepEqual(await lab.chaos.faults(), [], 'nothing left in chaos.json');
    for (const c of await lab.chaos.targets('scheduler')) {
      const st = await run('docker', ['inspect', '-f', '{{.State.Running}} {{.State.Paused}}', c.id]);
      assert.equal(st.stdout.trim(), 'true false', `${c.name} runs, not paused`);
    }
    console.log(`  [fault suite] 14 chaos run: ${(wall / 1000).toFixed(1)} s wall`);

    // A probe that fails at the start: no fault injected, exit 1.
    const dead = join(dir, 'dead.yaml');
    await writeFile(
      dead,
      'name: dead\nprobes: [{http: {url: "http://127.0.0.1:1/", timeout: 1s}}]\nsteps: [{at: 0s, fault: pause scheduler}]\n',
    );
    const d = await cli(dead, '--json');
    assert.equal(d.code, 1, d.stderr);
    const dr = JSON.parse(d.stdout) as ScenarioReport;
    assert.deepEqual([dr.ok, dr.probes[0]!.start.ok, dr.steps[0]!.injectedAtMs], [false, false, undefined]);
    assert.deepEqual(await lab.chaos.faults(), []);

    // A bad file: exit 2, the problem with its line and field path.
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'name: bad\nsteps:\n  - {at: 0s, fault: explode scheduler}\n');
    const b = await cli(bad);
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /bad\.yaml:3: steps\[0\]\.fault: Invalid value: "explode scheduler": unknown fault/);
  });

  it('11. the whole lab stopped and started: objects and pods kept, the Service answers again', async () => {
    const cli = (...args: string[]) =>
      run('node', [join(repoRoot, 'cli/dist/main.js'), '-p', lab.project, ...args], {
        env: { ...process.env, ...E2E_ENV, ...TIMINGS },
        timeoutMs: 180_000,
      });
    type Obj = { metadata: { name: string; uid?: string; resourceVersion?: string } };
    const ns = 'lab-restart';
    await lab.kubectl(['create', 'namespace', ns]);
    for (let i = 0; i < 20; i++)
      await lab.kubectl(['create', 'configmap', `cm-${i}`, '-n', ns, `--from-literal=i=${i}`]);
    const configMaps = async () =>
      (await lab.client.list<Obj>(`/api/v1/namespaces/${ns}/configmaps`))
        .filter((c) => c.metadata.name.startsWith('cm-'))
        .map((c) => `${c.metadata.name} ${c.metadata.uid} ${c.metadata.resourceVersion}`)
        .sort();
    const webPods = async () =>
      live(await lab.client.pods('default', 'app=web'))
        .map((p) => `${p.metadata.name} ${p.metadata.uid}`)
        .sort();
    const cmBefore = await configMaps();
    const podsBefore = await webPods();
    assert.equal(cmBefore.length, 20);
    assert.equal(podsBefore.length, 3);
    const stopped = await cli('stop');
    assert.equal(stopped.code, 0, stopped.stderr + stopped.stdout);
    const t0 = Date.now();
    const started = await cli('start');
    assert.equal(started.code, 0, started.stderr + started.stdout);
    await waitFor(() => httpProbe('web', url).check(), { timeout: 120_000, what: `${url} answering after start` });
    const back = Date.now() - t0;
    await waitFor(webAvailable(3), { timeout: 120_000, what: 'web available after start' });
    assert.deepEqual(await configMaps(), cmBefore, 'every ConfigMap kept, unchanged');
    assert.deepEqual(await webPods(), podsBefore, 'the same web pods, adopted (none replaced, none doubled)');
    assert.ok(recovered('11 lab stopped and started (web answering after start)', back, 90_000));
    await lab.kubectl(['delete', 'namespace', ns, '--wait=false']);
  });
  // 9-10 (HA: leaders and etcd members lost) need the HA profile: faults-ha.e2e.ts, on an `up --ha` lab of its own.
});
