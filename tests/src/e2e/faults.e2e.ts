/**
 * The fault suite of issue 16, part one: a pod's container, kube-proxy, the scheduler, the
 * controller-manager and a node (partitioned, or its kubelet lost), each faulted in a lab shared
 * by the scenarios of this file, through the testkit (the same faults as `kubelab chaos`): what
 * must hold is checked, and each recovery time is printed with the bound it must meet. Never
 * retried: a flaky scenario is a bug to find. The lab runs short node-lifecycle timings so that a
 * lost kubelet is noticed within seconds (faults-lib.ts). Part two: faults-restarts.e2e.ts (the
 * apiserver, etcd, `kubelab chaos run`, the whole lab); part three: faults-network.e2e.ts (packet
 * loss, latency, clock skew); HA: faults-ha.e2e.ts.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  deploymentAvailable,
  httpAnswers,
  httpProbe,
  isReady,
  startExperiment,
  waitFor,
  type TestLab,
} from '@kubelab/testkit';
import { deployment, live, recovered, runningPodContainers, spread, useFaultLab } from '../lib/faults-lib.js';

describe('faults: the lab heals (pods, components, nodes)', { timeout: 12 * 60_000 }, () => {
  const f = useFaultLab();
  let lab: TestLab;
  let url = '';
  const { webAvailable } = f;
  before(() => {
    ({ lab, url } = f);
  });

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
});
