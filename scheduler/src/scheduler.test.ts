import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { Node, Pod } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { Scheduler } from './scheduler.js';
import { FakeSchedulerApi, ManualQueue, MapCache, node, pod, silentLog } from './testing/fakes.js';

function setup(nodes: Node[] = [node('node-1'), node('node-2')]) {
  const api = new FakeSchedulerApi();
  const pods = new MapCache<Pod>();
  const nodeCache = new MapCache<Node>();
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  let now = Date.UTC(2024, 0, 1);
  const clock = { now: () => now };
  const sched = new Scheduler({ api, pods, nodes: nodeCache, queue, recorder, clock, log: silentLog });
  for (const n of nodes) nodeCache.set(n);
  const runAll = async (): Promise<void> => {
    for (let k = queue.take(); k !== undefined; k = queue.take()) await sched.reconcile(k);
  };
  return { api, pods, nodeCache, queue, recorder, sched, runAll, advance: (ms: number) => (now += ms) };
}

test('binds a pending pod and records Scheduled', async () => {
  const { api, pods, recorder, runAll } = setup([node('node-1')]);
  const p = pod('web-x');
  pods.set(p);
  await runAll();
  assert.deepEqual(api.binds, [{ namespace: 'default', name: 'web-x', node: 'node-1', uid: p.metadata.uid }]);
  assert.deepEqual(recorder.lines(), ['Normal Scheduled Successfully assigned default/web-x to node-1']);
});

test('a burst spreads evenly although the informer has not seen any bind yet (assumed pods)', async () => {
  const { api, pods, runAll, sched } = setup();
  for (let i = 0; i < 10; i++) pods.set(pod(`web-${i}`, {}, 'web'));
  await runAll();
  assert.deepEqual(api.placements(), { 'node-1': 5, 'node-2': 5 });
  assert.equal(sched.assumed.size, 10);
  // the informer catches up: assumptions are dropped
  for (const b of api.binds) pods.set({ ...pods.get(`default/${b.name}`)!, spec: { ...pods.get(`default/${b.name}`)!.spec, nodeName: b.node } });
  assert.equal(sched.assumed.size, 0);
});

test('concurrent workers see each other\'s assumptions', async () => {
  const { api, pods, queue, sched } = setup();
  for (let i = 0; i < 10; i++) pods.set(pod(`w-${i}`, {}, 'w'));
  const keys = [...queue.keys];
  queue.keys.clear();
  await Promise.all(keys.map((k) => sched.reconcile(k)));
  assert.deepEqual(api.placements(), { 'node-1': 5, 'node-2': 5 });
});

test('unschedulable: FailedScheduling event, PodScheduled=False, back-off; retried when a node changes', async () => {
  const { api, pods, nodeCache, queue, recorder, runAll } = setup([node('node-1', { unschedulable: true }), node('node-2', { unschedulable: true })]);
  pods.set(pod('web-x'));
  await runAll();
  assert.equal(api.binds.length, 0);
  assert.deepEqual(recorder.lines(), ['Warning FailedScheduling 0/2 nodes are available: 2 node(s) were unschedulable.']);
  const written = api.statusWrites[0]!;
  const cond = written.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
  assert.deepEqual([cond.status, cond.reason, cond.message], ['False', 'Unschedulable', '0/2 nodes are available: 2 node(s) were unschedulable.']);
  assert.equal(written.status!.phase, 'Pending');
  assert.deepEqual(queue.delayed.map((d) => d.ms), [1000]);
  // our own status write comes back through the informer: no immediate retry
  pods.set(written);
  assert.equal(queue.keys.size, 0);
  // a heartbeat-only node update does not retry either
  nodeCache.set({ ...node('node-1', { unschedulable: true }), metadata: { ...node('node-1').metadata, annotations: { beat: '1' } } });
  assert.equal(queue.keys.size, 0);
  // back-off retry: same failure, no second status write, longer delay
  queue.add('default/web-x');
  await runAll();
  assert.equal(api.statusWrites.length, 1);
  assert.deepEqual(queue.delayed.map((d) => d.ms), [1000, 2000]);
  // uncordon
  nodeCache.set(node('node-2'));
  assert.deepEqual([...queue.keys], ['default/web-x']);
  await runAll();
  assert.deepEqual(api.binds.map((b) => b.node), ['node-2']);
});

test('pods that are bound, deleting, finished or for another scheduler are not scheduled', async () => {
  const { api, pods, runAll } = setup();
  pods.set(pod('bound', { nodeName: 'node-1' }));
  pods.set(pod('other', { schedulerName: 'my-scheduler' }));
  const deleting = pod('deleting');
  deleting.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  pods.set(deleting);
  const done = pod('done');
  done.status = { phase: 'Succeeded' };
  pods.set(done);
  pods.set(pod('mine', { schedulerName: 'default-scheduler' }));
  await runAll();
  assert.deepEqual(api.binds.map((b) => b.name), ['mine']);
});

test('bind refused with Conflict/NotFound: dropped; apiserver down: event and retry', async () => {
  const { api, pods, queue, recorder, runAll, sched } = setup([node('node-1')]);
  api.failBind = new ApiError('Conflict', 'Operation cannot be fulfilled on pods/binding "a": pod a is already assigned to node "node-1"');
  pods.set(pod('a'));
  await runAll();
  assert.equal(queue.delayed.length, 0);
  assert.equal(sched.assumed.size, 0);
  api.failBind = new ApiError('ServiceUnavailable', 'etcd unavailable');
  pods.set(pod('b'));
  await runAll();
  assert.ok(recorder.lines().includes('Warning FailedScheduling Binding rejected: etcd unavailable'));
  assert.deepEqual(queue.delayed, [{ key: 'default/b', ms: 1000 }]);
  assert.equal(sched.assumed.size, 0, 'a failed bind frees its assumed place');
  api.failBind = undefined;
  queue.add('default/b');
  await runAll();
  assert.deepEqual(api.binds.map((b) => b.name), ['b']);
});

test('deleting a bound pod retries unschedulable pods (resources freed)', async () => {
  const { api, pods, queue, runAll } = setup([node('small', { allocatable: { cpu: '1', memory: '1Gi', pods: '110' } })]);
  const hog = pod('hog', { nodeName: 'small', containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '900m' } } }] });
  pods.set(hog);
  pods.set(pod('wants', { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m' } } }] }));
  await runAll();
  assert.equal(api.binds.length, 0);
  pods.remove('default/hog');
  assert.deepEqual([...queue.keys], ['default/wants']);
  await runAll();
  assert.deepEqual(api.binds.map((b) => b.name), ['wants']);
});
