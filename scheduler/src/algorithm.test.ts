import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@kubelab/api';
import { buildSnapshot, fitErrorMessage, schedule } from './algorithm.js';
import { effectiveTaints, tolerates } from './filters.js';
import { podRequests } from './resources.js';
import { node, pod, withRequests } from './testing/fakes.js';

const place = (p: Pod, nodes = [node('node-1'), node('node-2')], pods: Pod[] = []) =>
  schedule(p, buildSnapshot(nodes, pods));
const bound = (p: Pod, nodeName: string): Pod => ({ ...p, spec: { ...p.spec, nodeName } });

test('unschedulable nodes: the upstream message', () => {
  const r = place(pod('web-x'), [node('node-1', { unschedulable: true }), node('node-2', { unschedulable: true })]);
  assert.deepEqual(r, {
    error: '0/2 nodes are available: 2 node(s) were unschedulable.',
    reasons: { 'node(s) were unschedulable': 2 },
  });
  assert.equal((place(pod('x'), []) as { error: string }).error, 'no nodes available to schedule pods');
});

test('not-ready and unreachable nodes are filtered as their taints; tolerations let pods through', () => {
  const nodes = [node('a', { ready: 'False' }), node('b', { ready: 'Unknown' }), node('c', { ready: null })];
  const r = place(pod('x'), nodes) as { error: string };
  assert.equal(
    r.error,
    '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.',
  );
  const tolerant = pod('x', {
    tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }],
  });
  assert.deepEqual(place(tolerant, nodes), { node: 'b' });
  assert.deepEqual(effectiveTaints(node('ok')), []);
});

test('taints and tolerations', () => {
  const tainted = node('node-1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  const soft = node('node-2', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] });
  assert.deepEqual(place(pod('a'), [tainted, soft]), { node: 'node-2' });
  assert.equal(
    (place(pod('a'), [tainted]) as { error: string }).error,
    '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.',
  );
  assert.ok(
    tolerates(
      { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    ),
  );
  assert.ok(!tolerates({ key: 'dedicated', value: 'cpu' }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }));
  assert.ok(tolerates({ operator: 'Exists' }, { key: 'anything', effect: 'NoExecute' }));
  assert.ok(
    !tolerates(
      { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' },
      { key: 'dedicated', effect: 'NoSchedule' },
    ),
  );
  const unschedTolerant = pod('a', {
    tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
  });
  assert.deepEqual(place(unschedTolerant, [node('n', { unschedulable: true })]), { node: 'n' });
});

test('nodeSelector and required node affinity', () => {
  const nodes = [
    node('node-1', { labels: { disk: 'ssd', zone: 'a' } }),
    node('node-2', { labels: { disk: 'hdd', zone: 'b' } }),
  ];
  assert.deepEqual(place(pod('a', { nodeSelector: { disk: 'ssd' } }), nodes), { node: 'node-1' });
  assert.equal(
    (place(pod('a', { nodeSelector: { disk: 'nvme' } }), nodes) as { error: string }).error,
    "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
  );
  const aff = (expr: unknown) =>
    pod('a', {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [expr] } } },
    });
  assert.deepEqual(place(aff({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), nodes), {
    node: 'node-2',
  });
  assert.deepEqual(place(aff({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }), nodes), {
    node: 'node-1',
  });
  assert.ok('error' in place(aff({ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }), nodes));
});

test('resources: requests must fit allocatable minus what bound pods request', () => {
  const small = { cpu: '1', memory: '1Gi', pods: '110' };
  const nodes = [node('node-1', { allocatable: small }), node('node-2', { allocatable: small })];
  const running = [
    bound(withRequests(pod('r1'), '800m', '256Mi'), 'node-1'),
    bound(withRequests(pod('r2'), '100m', '900Mi'), 'node-2'),
  ];
  assert.deepEqual(place(withRequests(pod('new'), '300m'), nodes, running), { node: 'node-2' });
  assert.deepEqual(place(withRequests(pod('new'), undefined, '512Mi'), nodes, running), { node: 'node-1' });
  const r = place(withRequests(pod('big'), '2', '2Gi'), nodes, running) as { error: string };
  assert.equal(r.error, '0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory.');
  const full = [node('tiny', { allocatable: { cpu: '4', memory: '8Gi', pods: '1' } })];
  assert.equal(
    (place(pod('p'), full, [bound(pod('q'), 'tiny')]) as { error: string }).error,
    '0/1 nodes are available: 1 Too many pods.',
  );
  const finished = bound(withRequests(pod('done'), '1'), 'node-1');
  finished.status = { phase: 'Succeeded' };
  assert.ok(
    'node' in place(withRequests(pod('n'), '900m'), [nodes[0]!], [finished]),
    'finished pods free their resources',
  );
});

test('podRequests: containers summed, init containers as a floor; quantities parsed', () => {
  const p = withRequests(pod('a'), '250m', '64Mi');
  p.spec.containers.push({ name: 'b', image: 'x', resources: { requests: { cpu: '0.5', memory: '1G' } } });
  p.spec.initContainers = [{ name: 'i', image: 'x', resources: { requests: { cpu: '2' } } }];
  assert.deepEqual(podRequests(p), { milliCPU: 2000, memory: 64 * 2 ** 20 + 1e9 });
});

test('host ports conflict on the same port and protocol', () => {
  const hp = (name: string, port: number, protocol = 'TCP') =>
    pod(name, { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: port, protocol }] }] });
  const running = [bound(hp('a', 8080), 'node-1')];
  assert.deepEqual(place(hp('b', 8080), [node('node-1'), node('node-2')], running), { node: 'node-2' });
  assert.equal(
    (place(hp('b', 8080), [node('node-1')], running) as { error: string }).error,
    "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.",
  );
  assert.deepEqual(place(hp('c', 8080, 'UDP'), [node('node-1')], running), { node: 'node-1' });
});

test('spreading: siblings first, then total pods; three replicas on two nodes go 2+1', () => {
  const nodes = [node('node-1'), node('node-2')];
  const placed: Pod[] = [];
  for (const name of ['web-1', 'web-2', 'web-3']) {
    const p = pod(name, {}, 'web');
    const r = schedule(p, buildSnapshot(nodes, placed)) as { node: string };
    placed.push(bound(p, r.node));
  }
  const counts = placed.reduce<Record<string, number>>(
    (m, p) => ((m[p.spec.nodeName!] = (m[p.spec.nodeName!] ?? 0) + 1), m),
    {},
  );
  assert.deepEqual(Object.values(counts).sort(), [1, 2]);
  // a busy node with no sibling beats an idle node with one
  const busy = [bound(pod('o1'), 'node-1'), bound(pod('o2'), 'node-1'), bound(pod('s1', {}, 'db'), 'node-2')];
  assert.deepEqual(schedule(pod('s2', {}, 'db'), buildSnapshot(nodes, busy)), { node: 'node-1' });
  assert.deepEqual(schedule(pod('z'), buildSnapshot(nodes, busy)), { node: 'node-2' }, 'no owner: fewest pods');
});

test('ties are broken per pod, so equal nodes do not all get the same pod stream', () => {
  const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));
  const chosen = new Set<string>();
  for (let i = 0; i < 20; i++) chosen.add((schedule(pod(`p${i}`), buildSnapshot(nodes, [])) as { node: string }).node);
  assert.ok(chosen.size >= 3, `only ${[...chosen].join(',')}`);
  const p = pod('stable');
  assert.deepEqual(
    schedule(p, buildSnapshot(nodes, [])),
    schedule(p, buildSnapshot([...nodes].reverse(), [])),
    'pure and order-independent',
  );
});

test('fitErrorMessage sorts the reasons like upstream', () => {
  assert.equal(
    fitErrorMessage(3, { 'node(s) were unschedulable': 2, 'Insufficient cpu': 1 }),
    '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable.',
  );
});

test('the choice is the lowest (siblings, pods, hash of pod id and node name, name) among the nodes', () => {
  const fnv = (s: string): number => {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return h;
  };
  let seed = 7;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const owners = ['a', 'b', undefined];
  for (let round = 0; round < 50; round++) {
    const nodes = Array.from({ length: 2 + rand(12) }, (_, i) => node(`node-${i}`));
    const pods = Array.from({ length: rand(40) }, (_, i) =>
      bound(pod(`b${round}-${i}`, {}, owners[rand(3)]), `node-${rand(nodes.length)}`),
    );
    const p = pod(`p${round}`, {}, owners[rand(3)]);
    const owner = p.metadata.ownerReferences?.[0]?.name;
    const rank = (n: string) => {
      const here = pods.filter((q) => q.spec.nodeName === n);
      const siblings = owner ? here.filter((q) => q.metadata.ownerReferences?.[0]?.name === owner).length : 0;
      return [siblings, here.length, fnv(`${p.metadata.uid}|${n}`)] as const;
    };
    const want = nodes
      .map((n) => n.metadata.name!)
      .sort((x, y) => {
        const [a, b] = [rank(x), rank(y)];
        return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || (x < y ? -1 : 1);
      })[0];
    assert.deepEqual(schedule(p, buildSnapshot(nodes, pods)), { node: want }, `round ${round}`);
  }
});
