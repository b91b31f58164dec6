import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { KubeObject, Pod } from '@kubelab/api';
import { FakeCache, InProcessApi, ManualQueue, drain } from './index.js';

const pod = (name: string, nodeName?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...(nodeName ? { nodeName } : {}) },
});

const isReason =
  (reason: string) =>
  (e: unknown): boolean =>
    e instanceof ApiError && e.reason === reason;

test('the real registry behind the client surface: defaults, CAS, graceful deletion, errors as ApiError', async () => {
  const api = new InProcessApi();
  const created = await api.create('pods', pod('a', 'n1'));
  assert.equal(created.status?.phase, 'Pending', 'the pod strategy set the status');
  assert.equal(created.spec.restartPolicy, 'Always', 'defaulted');
  assert.equal(created.metadata.creationTimestamp, '2024-01-01T00:00:00Z', 'from the manual clock');
  api.clock.advance(1000);
  const pv = await api.create<KubeObject>('persistentvolumes', {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'v' },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/d' } },
  });
  assert.equal(
    (pv.status as { lastPhaseTransitionTime?: string }).lastPhaseTransitionTime,
    '2024-01-01T00:00:01Z',
    'strategies stamp times from the same clock',
  );
  await api.update('pods', { ...created, metadata: { ...created.metadata, labels: { app: 'x' } } });
  await assert.rejects(api.update('pods', created), isReason('Conflict'), 'a stale resourceVersion');
  await assert.rejects(
    api.create('pods', { ...pod('b'), metadata: { name: 'b', namespace: 'nowhere' } }),
    isReason('NotFound'),
  );
  const deleting = await api.delete<Pod>('pods', 'default', 'a');
  assert.ok(deleting.metadata.deletionTimestamp, 'a bound pod is deleted gracefully');
  assert.ok(api.peek('pods', 'default', 'a'));
  await api.finishPodDeletion('default', 'a');
  assert.equal(api.peek('pods', 'default', 'a'), undefined);
  assert.deepEqual(
    api.calls.map((c) => c.verb),
    ['create', 'create', 'update', 'update', 'create', 'delete'],
  );
  assert.equal(api.count('create', 'pods'), 2);
});

test('subscribe sees every change before the write returns; put seeds as is; onRequest and setAvailable fail calls', async () => {
  const api = new InProcessApi();
  await api.ready;
  const seen: string[] = [];
  const stop = api.subscribe((resource, type, obj) => seen.push(`${type} ${resource} ${obj.metadata.name ?? ''}`));
  const p = await api.create('pods', pod('a'));
  assert.deepEqual(seen, ['ADDED pods a']);
  await api.updateStatus('pods', { ...p, status: { phase: 'Running' } });
  await api.delete('pods', 'default', 'a');
  assert.deepEqual(seen, ['ADDED pods a', 'MODIFIED pods a', 'DELETED pods a']);
  stop();
  const seeded = api.put<Pod>('pods', { ...pod('s'), status: { phase: 'Succeeded' } });
  assert.equal(api.peek<Pod>('pods', 'default', 's')!.status?.phase, 'Succeeded');
  assert.equal(seeded.metadata.resourceVersion, api.peek('pods', 'default', 's')!.metadata.resourceVersion);
  assert.equal(seen.length, 3, 'no events after unsubscribing');
  const calls = api.calls.length;
  const q = await api.seed<Pod>('pods', pod('q'));
  assert.equal(q.status?.phase, 'Pending', 'seed creates through the registry');
  assert.equal(api.calls.length, calls, 'seed and put are not logged');
  await api.delete('pods', 'default', 'q');
  api.onRequest = (c) => {
    if (c.verb === 'get') throw new ApiError('ServiceUnavailable', 'injected');
  };
  await assert.rejects(api.get('pods', 'default', 's'), /injected/);
  api.onRequest = undefined;
  api.setAvailable(false);
  await assert.rejects(api.list('pods'), isReason('ServiceUnavailable'));
  api.setAvailable(true);
  assert.deepEqual(
    (await api.list('pods', { labelSelector: 'app=web' })).items.map((o: KubeObject) => o.metadata.name),
    ['s'],
  );
});

test('watch from a resourceVersion replays the changes after it; a compacted one is Expired', async () => {
  const api = new InProcessApi();
  const { resourceVersion } = await api.list('pods');
  await api.create('pods', pod('a'));
  const ac = new AbortController();
  const events: string[] = [];
  for await (const ev of api.watch('pods', { resourceVersion }, ac.signal)) {
    events.push(`${ev.type} ${ev.object.metadata.name ?? ''}`);
    ac.abort();
  }
  assert.deepEqual(events, ['ADDED a']);
  await api.close();
  // With no watch cache of pods yet, a watch goes to the store, which compacted its history.
  const fresh = new InProcessApi();
  const before = (await fresh.list('services', { limit: 500 })).resourceVersion; // a paged list reads the store
  for (const name of ['s', 't'])
    await fresh.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { ports: [{ port: 80 }] },
    });
  await fresh.compact();
  await assert.rejects(
    fresh.watch('services', { resourceVersion: before }, new AbortController().signal).next(),
    isReason('Expired'),
  );
  await fresh.close();
});

test('FakeCache follows the API (or holds events back); drain runs reconciles until the queues are empty', async () => {
  const api = new InProcessApi();
  const cache = new FakeCache<Pod>(api, 'pods');
  const queue = new ManualQueue();
  cache.addHandlers({
    add: (p) => queue.add(p.metadata.name ?? ''),
    update: (_o, p) => queue.add(p.metadata.name ?? ''),
  });
  await api.create('pods', pod('a'));
  assert.ok(cache.get('default/a'));
  cache.hold();
  await api.create('pods', pod('b'));
  assert.equal(cache.get('default/b'), undefined, 'held back');
  cache.release();
  assert.ok(cache.get('default/b'));
  const done: string[] = [];
  const ctrl = { name: 'test', reconcile: async (key: string) => void done.push(key) };
  assert.equal(await drain([{ ctrl, queue }]), 2);
  assert.deepEqual(done, ['a', 'b']);
});
