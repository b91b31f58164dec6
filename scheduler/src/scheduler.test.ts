import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { KubeObject, Node, Pod } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { Scheduler } from './scheduler.js';
import { binds, boundPods, node, placements, pod, silentLog, statusWrites } from './testing/fakes.js';

async function setup(nodes: Node[] = [node('node-1'), node('node-2')]) {
  const api = new InProcessApi();
  const pods = new FakeCache<Pod>(api, 'pods');
  const nodeCache = new FakeCache<Node>(api, 'nodes');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const sched = new Scheduler({ api, pods, nodes: nodeCache, queue, recorder, clock: api.clock, log: silentLog });
  for (const n of nodes) await api.create('nodes', n);
  const runAll = async (): Promise<void> => {
    for (let k = queue.take(); k !== undefined; k = queue.take()) await sched.reconcile(k);
    await sched.flush();
  };
  const editNode = (name: string, change: (n: Node) => void): Promise<Node> => {
    const n = api.peek<Node>('nodes', '', name)!;
    change(n);
    return api.update('nodes', n);
  };
  return { api, pods, queue, recorder, sched, runAll, editNode };
}

test('binds a pending pod and records Scheduled', async () => {
  const { api, recorder, runAll } = await setup([node('node-1')]);
  const p = await api.create('pods', pod('web-x'));
  await runAll();
  assert.deepEqual(binds(api), [{ namespace: 'default', name: 'web-x', node: 'node-1', uid: p.metadata.uid }]);
  assert.equal(api.peek<Pod>('pods', 'default', 'web-x')!.spec.nodeName, 'node-1');
  assert.deepEqual(recorder.lines(), ['Normal Scheduled Successfully assigned default/web-x to node-1']);
});

test('a burst spreads evenly although the informer has not seen any bind yet (assumed pods)', async () => {
  const { api, pods, runAll, sched } = await setup();
  for (let i = 0; i < 10; i++) await api.create('pods', pod(`web-${i}`, {}, 'web'));
  pods.hold();
  await runAll();
  assert.deepEqual(placements(api), { 'node-1': 5, 'node-2': 5 });
  assert.equal(sched.cache.assumedCount, 10);
  // the informer catches up: assumptions are dropped
  pods.release();
  assert.equal(sched.cache.assumedCount, 0);
});

test("concurrent workers see each other's assumptions", async () => {
  const { api, queue, sched } = await setup();
  for (let i = 0; i < 10; i++) await api.create('pods', pod(`w-${i}`, {}, 'w'));
  const keys = [...queue.keys];
  queue.keys.clear();
  await Promise.all(keys.map((k) => sched.reconcile(k)));
  await sched.flush();
  assert.deepEqual(placements(api), { 'node-1': 5, 'node-2': 5 });
});

test('unschedulable: FailedScheduling event, PodScheduled=False, back-off; retried when a node changes', async () => {
  const { api, queue, recorder, runAll, editNode } = await setup([
    node('node-1', { unschedulable: true }),
    node('node-2', { unschedulable: true }),
  ]);
  await api.create('pods', pod('web-x'));
  await runAll();
  assert.equal(binds(api).length, 0);
  assert.deepEqual(recorder.lines(), [
    'Warning FailedScheduling 0/2 nodes are available: 2 node(s) were unschedulable.',
  ]);
  const written = statusWrites(api)[0]!;
  const cond = written.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
  assert.deepEqual(
    [cond.status, cond.reason, cond.message],
    ['False', 'Unschedulable', '0/2 nodes are available: 2 node(s) were unschedulable.'],
  );
  assert.equal(written.status!.phase, 'Pending');
  // our own status write came back through the informer: no immediate retry, one back-off
  assert.equal(queue.keys.size, 0);
  assert.deepEqual(
    queue.delayed.map((d) => d.ms),
    [1000],
  );
  // a heartbeat-only node update does not retry either
  await editNode('node-1', (n) => (n.metadata.annotations = { beat: '1' }));
  assert.equal(queue.keys.size, 0);
  // back-off retry: same failure, no second status write, longer delay
  queue.add('default/web-x');
  await runAll();
  assert.equal(statusWrites(api).length, 1);
  assert.deepEqual(
    queue.delayed.map((d) => d.ms),
    [1000, 2000],
  );
  // uncordon
  await editNode('node-2', (n) => delete n.spec!.unschedulable);
  assert.deepEqual([...queue.keys], ['default/web-x']);
  await runAll();
  assert.deepEqual(
    binds(api).map((b) => b.node),
    ['node-2'],
  );
});

test('pods that are bound, deleting, finished or for another scheduler are not scheduled', async () => {
  const { api, runAll } = await setup();
  await api.create('pods', pod('bound', { nodeName: 'node-1' }));
  await api.create('pods', pod('other', { schedulerName: 'my-scheduler' }));
  // Deleting: a finalizer keeps the unbound pod (with its deletionTimestamp) in the store.
  await api.create('pods', {
    ...pod('deleting'),
    metadata: { ...pod('deleting').metadata, finalizers: ['example.com/keep'] },
  });
  await api.delete('pods', 'default', 'deleting');
  const done = await api.create('pods', pod('done'));
  await api.updateStatus('pods', { ...done, status: { phase: 'Succeeded' } });
  await api.create('pods', pod('mine', { schedulerName: 'default-scheduler' }));
  await runAll();
  assert.deepEqual(
    binds(api).map((b) => b.name),
    ['mine'],
  );
});

test('bind refused with Conflict/NotFound: dropped; apiserver down: event and retry', async () => {
  const { api, queue, recorder, runAll, sched } = await setup([node('node-1')]);
  let refuse: ApiError | undefined = new ApiError(
    'Conflict',
    'Operation cannot be fulfilled on pods/binding "a": pod a is already assigned to node "node-1"',
  );
  api.onRequest = (c) => {
    if (c.verb === 'bind' && refuse) throw refuse;
  };
  await api.create('pods', pod('a'));
  await runAll();
  assert.equal(queue.delayed.length, 0);
  assert.equal(sched.cache.assumedCount, 0);
  refuse = new ApiError('ServiceUnavailable', 'etcd unavailable');
  await api.create('pods', pod('b'));
  await runAll();
  assert.ok(recorder.lines().includes('Warning FailedScheduling Binding rejected: etcd unavailable'));
  assert.deepEqual(queue.delayed, [{ key: 'default/b', ms: 1000 }]);
  assert.equal(sched.cache.assumedCount, 0, 'a failed bind frees its assumed place');
  refuse = undefined;
  queue.add('default/b');
  await runAll();
  assert.deepEqual(boundPods(api), ['b']);
});

test('a bound pod that is gone retries unschedulable pods (resources freed)', async () => {
  const { api, queue, runAll } = await setup([
    node('small', { allocatable: { cpu: '1', memory: '1Gi', pods: '110' } }),
  ]);
  await api.create(
    'pods',
    pod('hog', {
      nodeName: 'small',
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '900m' } } }],
    }),
  );
  await api.create(
    'pods',
    pod('wants', { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m' } } }] }),
  );
  await runAll();
  assert.equal(binds(api).length, 0);
  // A bound pod's delete is graceful: its resources are freed once the kubelet removes it.
  await api.delete('pods', 'default', 'hog');
  await api.finishPodDeletion('default', 'hog');
  assert.deepEqual([...queue.keys], ['default/wants']);
  await runAll();
  assert.deepEqual(
    binds(api).map((b) => b.name),
    ['wants'],
  );
});

/** An API whose binds wait until the test opens the gate. */
function gatedBinds(api: InProcessApi) {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let sent = 0;
  const gated = {
    bind: (ns: string, name: string, node: string, uid?: string) => {
      sent++;
      return gate.then(() => api.bind(ns, name, node, uid));
    },
    updateStatus: <T extends KubeObject>(resource: string, obj: T) => api.updateStatus(resource, obj),
  };
  return { gated, open, sent: () => sent };
}

test('assume, then bind: a decision does not wait for the bind before it; a failed one is forgotten and retried', async () => {
  const api = new InProcessApi();
  const pods = new FakeCache<Pod>(api, 'pods');
  const nodes = new FakeCache<Node>(api, 'nodes');
  const queue = new ManualQueue();
  const { gated, open, sent } = gatedBinds(api);
  const sched = new Scheduler({
    api: gated,
    pods,
    nodes,
    queue,
    recorder: new MemoryEventRecorder(),
    clock: api.clock,
    log: silentLog,
  });
  for (const n of [node('node-1'), node('node-2')]) await api.create('nodes', n);
  await api.create('pods', pod('a', {}, 'rs'));
  await api.create('pods', pod('b', {}, 'rs'));
  await sched.reconcile(queue.take()!);
  await sched.reconcile(queue.take()!);
  assert.equal(sent(), 2, 'both binds sent, neither answered');
  assert.equal(sched.cache.assumedCount, 2);
  assert.deepEqual(placements(api), {});
  open();
  await sched.flush();
  assert.deepEqual(placements(api), { 'node-1': 1, 'node-2': 1 }, 'the second decision saw the first assumption');
  assert.equal(sched.cache.assumedCount, 0, 'the informer confirmed both');
});

test('bindsInFlight bounds the binds sent and not answered', async () => {
  const api = new InProcessApi();
  const pods = new FakeCache<Pod>(api, 'pods');
  const nodes = new FakeCache<Node>(api, 'nodes');
  const queue = new ManualQueue();
  const { gated, open, sent } = gatedBinds(api);
  const sched = new Scheduler({
    api: gated,
    pods,
    nodes,
    queue,
    recorder: new MemoryEventRecorder(),
    clock: api.clock,
    log: silentLog,
    bindsInFlight: 1,
  });
  await api.create('nodes', node('node-1'));
  await api.create('pods', pod('a'));
  await api.create('pods', pod('b'));
  await sched.reconcile(queue.take()!);
  let second = false;
  const b = sched.reconcile(queue.take()!).then(() => (second = true));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([sent(), second], [1, false], 'the second decision waits for a free slot');
  open();
  await b;
  await sched.flush();
  assert.deepEqual(
    binds(api)
      .map((x) => x.name)
      .sort(),
    ['a', 'b'],
  );
});
