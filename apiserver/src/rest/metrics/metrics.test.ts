import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Node, Pod } from '@kubelab/api';
import { ApiError, type StatsResponse } from '@kubelab/proto';
import { MemoryRegistry } from '../testing/memory-registry.js';
import { aggregatedDiscovery, apiGroupList, apiResourceList } from '../discovery.js';
import { usage, podMetrics } from './build.js';
import { metricsResponse, parseMetricsPath } from './handler.js';
import { isReady, MetricsCache, type StatsSource } from './source.js';

type Json = Record<string, any>;

function stats(
  node: string,
  pods: { ns: string; name: string; uid: string; containers: [string, number, number][] }[],
): StatsResponse {
  const all = pods.flatMap((p) => p.containers);
  return {
    nodeName: node,
    timestamp: '2026-11-23T00:00:00Z',
    nodeCpu: { usageNanoCores: all.reduce((a, c) => a + c[1], 0), usageCoreNanoSeconds: 0 },
    nodeMemory: { workingSetBytes: all.reduce((a, c) => a + c[2], 0), usageBytes: 0 },
    pods: pods.map((p) => ({
      pod: { namespace: p.ns, name: p.name, uid: p.uid },
      containers: p.containers.map(([name, cpu, mem]) => ({
        name,
        startTime: '',
        cpu: { usageNanoCores: cpu, usageCoreNanoSeconds: 0 },
        memory: { workingSetBytes: mem, usageBytes: mem },
      })),
    })),
  };
}

class FakeSource implements StatsSource {
  calls: string[] = [];
  constructor(private readonly answers: Record<string, StatsResponse | Error | 'hang'>) {}
  stats(node: string): Promise<StatsResponse> {
    this.calls.push(node);
    const a = this.answers[node];
    if (a === 'hang') return new Promise(() => {});
    if (!a) return Promise.reject(new ApiError('NotFound', `node ${node}`));
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  }
}

const node = (name: string, ready: boolean, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, labels },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

async function cluster(): Promise<{ reg: MemoryRegistry; uids: Record<string, string> }> {
  const reg = new MemoryRegistry();
  for (const ns of ['default', 'other']) await reg.create('namespaces', '', { metadata: { name: ns } });
  await reg.create('nodes', '', node('node-1', true, { zone: 'a' }));
  await reg.create('nodes', '', node('node-2', true, { zone: 'b' }));
  await reg.create('nodes', '', node('node-3', false));
  const uids: Record<string, string> = {};
  const pod = async (
    ns: string,
    name: string,
    nodeName: string | undefined,
    labels: Record<string, string>,
  ): Promise<void> => {
    const spec: Json = { containers: [{ name: 'c', image: 'nginx' }] };
    if (nodeName) spec['nodeName'] = nodeName;
    const p = await reg.create('pods', ns, { metadata: { name, labels }, spec });
    uids[name] = p.metadata.uid ?? '';
  };
  await pod('default', 'web-1', 'node-1', { app: 'web' });
  await pod('default', 'db-1', 'node-2', { app: 'db' });
  await pod('other', 'x-1', 'node-1', { app: 'x' });
  await pod('default', 'pending', undefined, { app: 'web' });
  return { reg, uids };
}

function sources(uids: Record<string, string>, n2: StatsResponse | Error | 'hang'): FakeSource {
  return new FakeSource({
    'node-1': stats('node-1', [
      {
        ns: 'default',
        name: 'web-1',
        uid: uids['web-1']!,
        containers: [
          ['c', 2_000_000, 8 * 1024 * 1024],
          ['POD', 5, 4096],
        ],
      },
      { ns: 'other', name: 'x-1', uid: uids['x-1']!, containers: [['c', 1_000_000, 4096]] },
    ]),
    'node-2': n2,
    'node-3': stats('node-3', []),
  });
}

test('quantities: nanocores and whole kibibytes', () => {
  assert.deepEqual(usage(123456789.4, 1048576 * 1024 + 1023), { cpu: '123456789n', memory: '1048576Ki' });
  assert.deepEqual(usage(-5, NaN), { cpu: '0n', memory: '0Ki' });
});

test('paths of the metrics API', () => {
  const p = '/apis/metrics.k8s.io/v1beta1';
  assert.deepEqual(parseMetricsPath(`${p}/nodes`), { resource: 'nodes' });
  assert.deepEqual(parseMetricsPath(`${p}/nodes/node-1`), { resource: 'nodes', name: 'node-1' });
  assert.deepEqual(parseMetricsPath(`${p}/pods`), { resource: 'pods', namespace: '' });
  assert.deepEqual(parseMetricsPath(`${p}/namespaces/ns/pods`), { resource: 'pods', namespace: 'ns' });
  assert.deepEqual(parseMetricsPath(`${p}/namespaces/ns/pods/a`), { resource: 'pods', namespace: 'ns', name: 'a' });
  for (const bad of [
    `${p}/pods/a`,
    `${p}/nodes/a/b`,
    `${p}/namespaces/ns`,
    `${p}/namespaces/ns/pods/a/b`,
    `${p}/deployments`,
    '/apis/metrics.k8s.io/v1/nodes',
  ]) {
    assert.equal(parseMetricsPath(bad), undefined, bad);
  }
});

test('node metrics: Ready nodes only, a failing node skipped, labels copied', async () => {
  const { reg, uids } = await cluster();
  const src = sources(uids, new Error('kubelet down'));
  const cache = new MetricsCache({ source: src, now: () => 0 });
  const list = (await metricsResponse(
    { registry: reg, cache, now: () => 0 },
    { resource: 'nodes' },
    new URLSearchParams(),
  )) as Json;
  assert.equal(list['kind'], 'NodeMetricsList');
  assert.equal(list['apiVersion'], 'metrics.k8s.io/v1beta1');
  assert.deepEqual(list['metadata'], {});
  assert.deepEqual(list['items'], [
    {
      metadata: { name: 'node-1', creationTimestamp: '1970-01-01T00:00:00Z', labels: { zone: 'a' } },
      timestamp: '2026-11-23T00:00:00Z',
      window: '10s',
      usage: { cpu: '3000005n', memory: `${8 * 1024 + 8}Ki` },
    },
  ]);
  assert.deepEqual([...new Set(src.calls)].sort(), ['node-1', 'node-2'], 'the NotReady node is not asked');
});

test('node metrics: label selector passed through; one node; NotFound shapes', async () => {
  const { reg, uids } = await cluster();
  const cache = new MetricsCache({ source: sources(uids, stats('node-2', [])), now: () => 0 });
  const deps = { registry: reg, cache };
  const sel = (await metricsResponse(
    deps,
    { resource: 'nodes' },
    new URLSearchParams('labelSelector=zone%3Db'),
  )) as Json;
  assert.deepEqual(
    sel['items'].map((i: Json) => i.metadata.name),
    ['node-2'],
  );
  const one = (await metricsResponse(deps, { resource: 'nodes', name: 'node-1' }, new URLSearchParams())) as Json;
  assert.equal(one['kind'], 'NodeMetrics');
  assert.equal(one['metadata'].name, 'node-1');
  await assert.rejects(
    metricsResponse(deps, { resource: 'nodes', name: 'nope' }, new URLSearchParams()),
    (e: ApiError) => {
      assert.equal(e.reason, 'NotFound');
      assert.equal(e.message, 'nodemetrics.metrics.k8s.io "nope" not found');
      return true;
    },
  );
  await assert.rejects(
    metricsResponse(deps, { resource: 'nodes', name: 'node-3' }, new URLSearchParams()),
    /nodemetrics.metrics.k8s.io "node-3" not found/,
  );
  await assert.rejects(
    metricsResponse(deps, { resource: 'pods', namespace: 'default', name: 'pending' }, new URLSearchParams()),
    /podmetrics.metrics.k8s.io "default\/pending" not found/,
  );
});

test('pod metrics: per namespace, all namespaces, selectors, pause container dropped', async () => {
  const { reg, uids } = await cluster();
  const cache = new MetricsCache({
    source: sources(
      uids,
      stats('node-2', [{ ns: 'default', name: 'db-1', uid: uids['db-1']!, containers: [['c', 7, 2048]] }]),
    ),
  });
  const deps = { registry: reg, cache };
  const q = new URLSearchParams();
  const def = (await metricsResponse(deps, { resource: 'pods', namespace: 'default' }, q)) as Json;
  assert.equal(def['kind'], 'PodMetricsList');
  assert.deepEqual(def['items'].map((i: Json) => i.metadata.name).sort(), ['db-1', 'web-1']);
  const web = def['items'].find((i: Json) => i.metadata.name === 'web-1');
  assert.deepEqual(web.containers, [{ name: 'c', usage: { cpu: '2000000n', memory: '8192Ki' } }]);
  assert.deepEqual(web.metadata.labels, { app: 'web' });
  assert.equal(web.metadata.namespace, 'default');
  assert.equal(web.window, '10s');
  const all = (await metricsResponse(deps, { resource: 'pods', namespace: '' }, q)) as Json;
  assert.deepEqual(all['items'].map((i: Json) => `${i.metadata.namespace}/${i.metadata.name}`).sort(), [
    'default/db-1',
    'default/web-1',
    'other/x-1',
  ]);
  const sel = (await metricsResponse(
    deps,
    { resource: 'pods', namespace: '' },
    new URLSearchParams('labelSelector=app%3Dx'),
  )) as Json;
  assert.deepEqual(
    sel['items'].map((i: Json) => i.metadata.name),
    ['x-1'],
  );
  const fsel = (await metricsResponse(
    deps,
    { resource: 'pods', namespace: 'default' },
    new URLSearchParams('fieldSelector=metadata.name%3Ddb-1'),
  )) as Json;
  assert.deepEqual(
    fsel['items'].map((i: Json) => i.metadata.name),
    ['db-1'],
  );
  const one = (await metricsResponse(deps, { resource: 'pods', namespace: 'other', name: 'x-1' }, q)) as Json;
  assert.equal(one['kind'], 'PodMetrics');
  assert.deepEqual(one['containers'], [{ name: 'c', usage: { cpu: '1000000n', memory: '4Ki' } }]);
});

test('pod metrics match by uid: a recreated pod with the same name is not given the old numbers', () => {
  const s = stats('n', [{ ns: 'default', name: 'a', uid: 'old', containers: [['c', 1, 1024]] }]);
  const pod = { metadata: { name: 'a', namespace: 'default', uid: 'new' }, spec: { containers: [] } } as unknown as Pod;
  assert.equal(podMetrics(pod, s, 't'), undefined);
  assert.ok(podMetrics({ ...pod, metadata: { ...pod.metadata, uid: 'old' } }, s, 't'));
});

test('cache: answers reused within the TTL, shared while in flight, refreshed after, failures retried', async () => {
  let t = 0;
  let answer: StatsResponse | Error = new Error('down');
  const calls: string[] = [];
  const src: StatsSource = {
    stats: (n) => {
      calls.push(n);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
  const cache = new MetricsCache({ source: src, ttlMs: 10_000, now: () => t });
  assert.equal(await cache.nodeStats('a'), undefined);
  assert.equal(calls.length, 2, 'one retry');
  answer = stats('a', []);
  assert.ok(await cache.nodeStats('a'), 'a failure is not cached');
  const [x, y] = await Promise.all([cache.nodeStats('a'), cache.nodeStats('a')]);
  assert.equal(x, y);
  assert.equal(calls.length, 3);
  t = 9_999;
  await cache.nodeStats('a');
  assert.equal(calls.length, 3);
  t = 10_000;
  await cache.nodeStats('a');
  assert.equal(calls.length, 4);
  // A call that fails fast (a broken channel) is retried at once.
  let first = true;
  const flaky: StatsSource = {
    stats: () =>
      first ? ((first = false), Promise.reject(new Error('UNAVAILABLE'))) : Promise.resolve(stats('f', [])),
  };
  assert.ok(await new MetricsCache({ source: flaky }).nodeStats('f'));
});

test('cache: a node that does not answer in time is skipped', async () => {
  const cache = new MetricsCache({ source: new FakeSource({ a: 'hang', b: stats('b', []) }), timeoutMs: 20 });
  const got = await cache.readyNodeStats([node('a', true), node('b', true)] as Node[]);
  assert.deepEqual([...got.keys()], ['b']);
  assert.equal(isReady(node('c', false) as Node), false);
});

test('discovery lists metrics.k8s.io/v1beta1 (legacy and aggregated)', () => {
  const groups = (apiGroupList() as Json)['groups'];
  assert.deepEqual(
    groups.find((g: Json) => g.name === 'metrics.k8s.io'),
    {
      name: 'metrics.k8s.io',
      versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }],
      preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' },
    },
  );
  assert.deepEqual(apiResourceList('metrics.k8s.io', 'v1beta1'), {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'metrics.k8s.io/v1beta1',
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ],
  });
  const agg = (aggregatedDiscovery('apis', 'v2') as Json)['items'].find(
    (i: Json) => i.metadata.name === 'metrics.k8s.io',
  );
  assert.deepEqual(
    agg.versions[0].resources.map((r: Json) => [r.resource, r.scope, r.responseKind.kind]),
    [
      ['nodes', 'Cluster', 'NodeMetrics'],
      ['pods', 'Namespaced', 'PodMetrics'],
    ],
  );
  assert.ok(
    !(aggregatedDiscovery('api', 'v2') as Json)['items'].some((i: Json) => i.metadata.name === 'metrics.k8s.io'),
  );
});
