import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, Pod } from '@kubelab/api';
import { findPlacement, numFeasibleNodesToFind } from './algorithm.js';
import { SchedulerCache } from './cache.js';
import { node, pod, withRequests } from './testing/fakes.js';

const clockAt = (t: { now: number }): Clock => ({ now: () => t.now }) as Clock;
const on = (p: Pod, nodeName: string): Pod => ({ ...p, spec: { ...p.spec, nodeName } });
const summary = (c: SchedulerCache, name: string) => {
  const i = c.nodeInfo(name)!;
  return { pods: i.pods.length, cpu: i.requested.milliCPU, owners: Object.fromEntries(i.owners) };
};

test('node and pod events update the node infos incrementally', () => {
  const c = new SchedulerCache(clockAt({ now: 0 }));
  const early = on(withRequests(pod('early', {}, 'rs'), '100m'), 'b');
  c.updatePod('default/early', early); // before its node: counted once the node shows up
  c.setNode(node('b'));
  c.setNode(node('a'));
  assert.deepEqual(
    c.snapshot().nodes.map((n) => n.name),
    ['a', 'b'],
  );
  assert.deepEqual(summary(c, 'b'), { pods: 1, cpu: 100, owners: { 'rs-rs': 1 } });
  c.updatePod('default/early', on(withRequests(pod('early', {}, 'rs'), '300m'), 'b')); // an update replaces, not adds
  assert.deepEqual(summary(c, 'b'), { pods: 1, cpu: 300, owners: { 'rs-rs': 1 } });
  c.updatePod('default/early', { ...on(pod('early'), 'b'), status: { phase: 'Succeeded' } });
  assert.deepEqual(summary(c, 'b'), { pods: 0, cpu: 0, owners: {} }, 'a finished pod frees its place');
  c.updatePod('default/x', on(withRequests(pod('x'), '1'), 'a'));
  c.setNode(node('a', { allocatable: { cpu: '1', memory: '1Gi', pods: '10' } }));
  assert.equal(c.nodeInfo('a')!.alloc.milliCPU, 1000, 'a node update re-reads allocatable and keeps the pods');
  assert.equal(c.nodeInfo('a')!.requested.milliCPU, 1000);
  c.deletePod('default/x');
  assert.equal(c.nodeInfo('a')!.pods.length, 0);
  c.deleteNode('a');
  assert.deepEqual(
    c.snapshot().nodes.map((n) => n.name),
    ['b'],
  );
});

test('assume, confirm, forget and expire', () => {
  const t = { now: 0 };
  const c = new SchedulerCache(clockAt(t), 60_000);
  c.setNode(node('a'));
  c.setNode(node('b'));
  const p = withRequests(pod('p'), '500m');
  c.assume('default/p', p, 'a');
  assert.ok(c.isAssumed('default/p'));
  assert.equal(c.nodeInfo('a')!.requested.milliCPU, 500);
  c.updatePod('default/p', p); // our own status write, still unbound: the assumption stands
  assert.ok(c.isAssumed('default/p'));
  c.updatePod('default/p', on(p, 'b')); // the informer shows it bound (elsewhere): confirmed there
  assert.equal(c.assumedCount, 0);
  assert.deepEqual([c.nodeInfo('a')!.pods.length, c.nodeInfo('b')!.pods.length], [0, 1]);
  c.forget('default/p');
  assert.equal(c.nodeInfo('b')!.pods.length, 1, 'forget leaves a confirmed pod');
  c.assume('default/q', pod('q'), 'a');
  c.forget('default/q');
  assert.deepEqual([c.assumedCount, c.nodeInfo('a')!.pods.length], [0, 0], 'a failed bind frees the place');
  c.assume('default/r', pod('r'), 'a');
  t.now = 61_000;
  c.snapshot();
  assert.deepEqual([c.assumedCount, c.nodeInfo('a')!.pods.length], [0, 0], 'an assumption nobody confirmed expires');
});

test("percentageOfNodesToScore: upstream's adaptive default and bounds", () => {
  assert.equal(numFeasibleNodesToFind(50), 50);
  assert.equal(numFeasibleNodesToFind(99), 99);
  assert.equal(numFeasibleNodesToFind(100), 100, '50 % − 0 = 50 % of 100 = 50, raised to 100');
  assert.equal(numFeasibleNodesToFind(1000), 420, '50 − 8 = 42 %');
  assert.equal(numFeasibleNodesToFind(5000), 500, '50 − 40 = 10 %');
  assert.equal(numFeasibleNodesToFind(10_000), 500, 'at least 5 %');
  assert.equal(numFeasibleNodesToFind(1000, 30), 300);
  assert.equal(numFeasibleNodesToFind(1000, 1), 100, 'never fewer than 100');
  assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
});

test('filtering stops at enough feasible nodes and the next attempt starts after them', () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => node(`n-${String(i).padStart(4, '0')}`));
  const c = new SchedulerCache(clockAt({ now: 0 }));
  for (const n of nodes) c.setNode(n);
  const first = findPlacement(pod('a'), c.snapshot(), undefined, { start: 0 });
  assert.equal(first.processed, 420);
  const second = findPlacement(pod('b'), c.snapshot(), undefined, { start: 990 });
  assert.equal(second.processed, 420);
  const picked = (second.result as { node: string }).node;
  const idx = Number(picked.slice(2));
  assert.ok(idx >= 990 || idx < 410, `picked among the 420 nodes from index 990 (wrapping): ${picked}`);
  // Unschedulable everywhere: every node is looked at and counted in the message.
  const big = withRequests(pod('big'), '64');
  const none = findPlacement(big, c.snapshot(), undefined, { start: 500 });
  assert.equal(none.processed, 1000);
  assert.deepEqual(none.result, {
    error: '0/1000 nodes are available: 1000 Insufficient cpu.',
    reasons: { 'Insufficient cpu': 1000 },
  });
});
