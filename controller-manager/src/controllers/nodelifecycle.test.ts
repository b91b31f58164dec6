import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339, type Lease, type Node, type Pod } from '@kubelab/api';
import { SkewedClock } from '@kubelab/client/clock-skew';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { NodeLifecycleController } from './nodelifecycle.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { pod, readyStatus, silentLog } from '../testing/fixtures.js';

async function setup(opts: { synced?: boolean } = {}) {
  const api = new InProcessApi();
  // The controller's clock: the kubelet's (api.clock) plus what a test skews it by; its monotonic
  // reading is the real passing of time (the manual clock's).
  const clock = new SkewedClock(api.clock);
  const now = (): string => rfc3339(api.clock.now());
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1' },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: now(),
          lastTransitionTime: now(),
        },
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: now(), lastTransitionTime: now() },
      ],
    },
  };
  await api.create('nodes', node);
  await api.create('leases', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'node-1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: now() },
  } as Lease);
  for (const n of ['a', 'b']) {
    const p = await api.create('pods', pod(n, { app: 'web' }, { nodeName: 'node-1' }));
    await api.updateStatus('pods', { ...p, status: readyStatus(`10.244.0.${n === 'a' ? 1 : 2}`, api.clock.now()) });
  }
  const nodes = new FakeCache<Node>(api, 'nodes', undefined, { synced: opts.synced ?? true });
  const leases = new FakeCache<Lease>(api, 'leases', 'kube-node-lease');
  const pods = new FakeCache<Pod>(api, 'pods');
  const recorder = new MemoryEventRecorder();
  const queue = new ManualQueue();
  const ctrl = new NodeLifecycleController({
    api,
    nodes,
    leases,
    pods,
    queue,
    recorder,
    clock,
    log: silentLog,
  });
  ctrl.onSynced();
  // One monitor period: the keys whose requeue came due, then whatever the handlers queued.
  const tick = async (): Promise<void> => {
    queue.promoteDelayed();
    await drain([{ ctrl, queue }]);
  };
  const renew = async (): Promise<void> => {
    const l = api.peek<Lease>('leases', 'kube-node-lease', 'node-1')!;
    await api.update('leases', { ...l, spec: { ...l.spec, renewTime: rfc3339(api.clock.now()) } });
  };
  const ready = (): Node['status'] => api.peek<Node>('nodes', '', 'node-1')!.status;
  return { api, ctrl, tick, nodes, recorder, renew, ready, clock };
}

test('a node whose lease keeps being renewed stays as it is', async () => {
  const { api, tick, renew, ready } = await setup();
  for (let i = 0; i < 10; i++) {
    await tick();
    api.clock.advance(30_000);
    await renew();
  }
  assert.equal(ready()!.conditions![0]!.status, 'True');
  assert.equal(api.count('updateStatus', 'nodes'), 0);
});

test('no heartbeat for the grace period: conditions Unknown, pods not ready, then evicted', async () => {
  const { api, tick, recorder, ready } = await setup();
  await tick();
  api.clock.advance(40_000);
  await tick();
  assert.equal(ready()!.conditions![0]!.status, 'True', 'exactly the grace period is still fine');
  api.clock.advance(1_000);
  await tick();
  const [r, mem] = ready()!.conditions!;
  assert.deepEqual(
    [r!.status, r!.reason, r!.message],
    ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
  );
  assert.equal(r!.lastTransitionTime, rfc3339(api.clock.now()));
  assert.equal(mem!.status, 'Unknown');
  assert.ok(
    api.objects<Pod>('pods').every((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False'),
  );
  assert.ok(recorder.lines().includes('Normal NodeNotReady Node node-1 status is now: NodeNotReady'));
  assert.equal(recorder.lines().filter((l) => l === 'Warning NodeNotReady Node is not ready').length, 2);
  await tick();
  assert.equal(api.count('updateStatus', 'nodes'), 1, 'marked once');
  api.clock.advance(60_000);
  await tick();
  assert.equal(api.objects('pods').length, 2, 'not before the eviction timeout');
  api.clock.advance(1_000);
  await tick();
  assert.deepEqual(api.objects('pods'), []);
  const del = api.calls.filter((c) => c.verb === 'delete');
  assert.equal(del.length, 2);
  assert.ok(del.every((c) => c.options?.gracePeriodSeconds === 0));
  assert.ok(recorder.lines().includes('Normal TaintManagerEviction Marking for deletion Pod default/a'));
});

test('a node that comes back before the eviction timeout keeps its pods', async () => {
  const { api, tick, renew } = await setup();
  await tick();
  api.clock.advance(45_000);
  await tick();
  api.clock.advance(30_000);
  // the kubelet is back: lease renewed and Ready posted
  await renew();
  const n = api.peek<Node>('nodes', '', 'node-1')!;
  n.status!.conditions![0] = {
    ...n.status!.conditions![0]!,
    status: 'True',
    lastHeartbeatTime: rfc3339(api.clock.now()),
  };
  await api.updateStatus('nodes', n);
  await tick();
  api.clock.advance(50_000);
  await renew();
  await tick();
  assert.equal(api.objects('pods').length, 2);
  assert.equal(api.count('delete', 'pods'), 0);
});

test('nothing happens before the caches synced', async () => {
  const { api, tick, nodes } = await setup({ synced: false });
  await tick();
  api.clock.advance(500_000);
  await tick();
  assert.equal(api.count('updateStatus', 'nodes'), 0);
  nodes.markSynced();
  await tick();
  assert.equal(
    api.count('updateStatus', 'nodes'),
    0,
    'the grace period starts when the controller first sees the node',
  );
});

test('pods bound to a node that does not exist are removed after the grace period', async () => {
  const { api, tick } = await setup();
  await api.create('pods', pod('lost', {}, { nodeName: 'node-gone' }));
  await tick();
  api.clock.advance(41_000);
  await tick();
  assert.equal(api.peek('pods', 'default', 'lost'), undefined);
  assert.equal(api.objects('pods').length, 2 + 0, 'pods on the healthy node stay');
});

test('a node is looked at again every monitor period; a key without a node or pods is dropped', async () => {
  const { ctrl } = await setup();
  assert.deepEqual(await ctrl.reconcile('node-1'), { requeueAfterMs: 5_000 });
  assert.equal(await ctrl.reconcile('never-existed'), undefined);
});

test('the controller-manager clock stepped +90 s: no node marked Unknown, no pod evicted', async () => {
  const { api, tick, renew, ready, clock } = await setup();
  await tick();
  api.clock.advance(2_000);
  await renew();
  await tick();
  const podWrites = api.count('updateStatus', 'pods'); // the setup's
  clock.offsetMs = 90_000; // kubelab chaos clock-skew controller-manager +90s
  for (let i = 0; i < 12; i++) {
    await tick(); // the first one before the kubelet renews again
    api.clock.advance(5_000);
    await renew();
  }
  assert.equal(ready()!.conditions![0]!.status, 'True');
  assert.equal(api.count('updateStatus', 'nodes'), 0);
  assert.equal(api.count('updateStatus', 'pods'), podWrites, 'no pod marked not ready');
  assert.equal(api.count('delete', 'pods'), 0);
});

test("a clock 90 s ahead of the kubelet's renewTime from the start: renewals keep the node Ready", async () => {
  const { api, tick, renew, ready, clock } = await setup();
  clock.offsetMs = 90_000;
  for (let i = 0; i < 10; i++) {
    await tick();
    api.clock.advance(10_000);
    await renew();
  }
  assert.equal(ready()!.conditions![0]!.status, 'True');
  assert.equal(api.count('delete', 'pods'), 0);
});

test('with the clock skewed, a lease that really stops renewing is noticed within the grace period', async () => {
  const { api, tick, renew, ready, clock } = await setup();
  clock.offsetMs = 90_000;
  await tick();
  await renew();
  await tick();
  api.clock.advance(40_000);
  await tick();
  assert.equal(ready()!.conditions![0]!.status, 'True', 'exactly the grace period is still fine');
  api.clock.advance(1_000);
  await tick();
  const r = ready()!.conditions![0]!;
  assert.equal(r.status, 'Unknown');
  assert.equal(r.lastTransitionTime, rfc3339(clock.now()), 'the time written is the skewed wall clock');
  api.clock.advance(61_000);
  await tick();
  assert.equal(api.objects('pods').length, 0, 'evicted once the eviction timeout passed too');
});

test('the skew removed (a -90 s step) just as the kubelet falls silent: still noticed within the grace period', async () => {
  const { api, tick, renew, ready, clock } = await setup();
  clock.offsetMs = 90_000;
  await tick();
  await renew();
  await tick();
  clock.offsetMs = 0; // kubelab chaos heal controller-manager
  api.clock.advance(41_000);
  await tick();
  assert.equal(ready()!.conditions![0]!.status, 'Unknown');
});
