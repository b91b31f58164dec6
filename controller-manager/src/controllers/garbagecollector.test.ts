import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { Deployment, KubeObject, OwnerReference, Pod, ReplicaSet } from '@kubelab/api';
import { GarbageCollector } from './garbagecollector.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { deployment, pod, replicaSet, silentLog } from '../testing/fixtures.js';

function setup() {
  const api = new InProcessApi();
  const caches = {
    deployments: new FakeCache<KubeObject>(api, 'deployments'),
    replicasets: new FakeCache<KubeObject>(api, 'replicasets'),
    pods: new FakeCache<KubeObject>(api, 'pods'),
  };
  const queue = new ManualQueue();
  const gc = new GarbageCollector({ api, caches, queue, log: silentLog });
  return { api, caches, queue, gc, settle: () => drain([{ ctrl: gc, queue }]) };
}

const ref = (o: KubeObject, kind: string, apiVersion = 'apps/v1'): OwnerReference => ({
  apiVersion,
  kind,
  name: o.metadata.name!,
  uid: o.metadata.uid!,
  controller: true,
  blockOwnerDeletion: true,
});

async function owned(api: InProcessApi): Promise<{ d: Deployment; rs: ReplicaSet; pods: Pod[] }> {
  const d = await api.create('deployments', deployment('web', 2));
  const r = replicaSet('web-abc', 2);
  r.metadata.ownerReferences = [ref(d, 'Deployment')];
  const rs = await api.create('replicasets', r);
  const pods: Pod[] = [];
  for (const n of ['web-abc-1', 'web-abc-2']) {
    const p = pod(n, { app: 'web' });
    p.metadata.ownerReferences = [ref(rs, 'ReplicaSet')];
    pods.push(await api.create('pods', p));
  }
  return { d, rs, pods };
}

test('background: deleting the owner cascades to ReplicaSets and then pods', async () => {
  const { api, settle } = setup();
  const { rs } = await owned(api);
  await settle();
  assert.equal(api.count('delete', 'replicasets'), 0, 'nothing to collect while owners live');
  await api.delete('deployments', 'default', 'web');
  await settle();
  assert.deepEqual(api.objects('replicasets'), []);
  assert.deepEqual(api.objects('pods'), []);
  const rsDelete = api.calls.find((c) => c.verb === 'delete' && c.resource === 'replicasets')!;
  assert.deepEqual(rsDelete.options, { propagationPolicy: 'Background', preconditionUid: rs.metadata.uid });
});

test('a cache miss is not proof: the owner is confirmed with a GET', async () => {
  const { api, caches, queue, gc } = setup();
  const { d } = await owned(api);
  caches.deployments.evict('default/web');
  queue.add('dep|replicasets|default/web-abc');
  await drain([{ ctrl: gc, queue }]);
  assert.equal(api.count('delete', 'replicasets'), 0);
  assert.ok(api.calls.some((c) => c.verb === 'get' && c.resource === 'deployments' && c.name === d.metadata.name));
});

test('an owner name with another uid counts as gone; a failing GET is retried, not taken as gone', async () => {
  const { api, caches, queue, gc } = setup();
  await owned(api);
  await api.delete('deployments', 'default', 'web');
  caches.replicasets.hold();
  await api.create('deployments', deployment('web', 1)); // same name, new uid
  api.onRequest = (c) => {
    if (c.verb === 'get') throw new ApiError('ServiceUnavailable', 'etcd down');
  };
  caches.replicasets.release();
  caches.deployments.evict('default/web');
  queue.add('dep|replicasets|default/web-abc');
  await assert.rejects(gc.reconcile(queue.take()!), /etcd down/);
  assert.equal(api.count('delete', 'replicasets'), 0);
  api.onRequest = undefined;
  await gc.reconcile('dep|replicasets|default/web-abc');
  assert.equal(api.objects('replicasets').length, 0);
});

test('with one live owner left, only the dangling reference is removed', async () => {
  const { api, settle } = setup();
  const a = await api.create('deployments', deployment('a', 1));
  const p = pod('shared', {});
  p.metadata.ownerReferences = [
    ref(a, 'Deployment'),
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone', uid: 'uid-gone' },
  ];
  await api.create('pods', p);
  await settle();
  const after = api.peek<Pod>('pods', 'default', 'shared')!;
  assert.deepEqual(
    after.metadata.ownerReferences?.map((r) => r.name),
    ['a'],
  );
});

test('unknown owner kinds are never assumed gone', async () => {
  const { api, settle } = setup();
  const p = pod('x', {});
  p.metadata.ownerReferences = [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'j', uid: 'u' }];
  await api.create('pods', p);
  await settle();
  assert.ok(api.peek('pods', 'default', 'x'));
});

test('foreground: dependents first, then the finalizers, then the owner', async () => {
  const { api, settle } = setup();
  await owned(api);
  await api.delete('deployments', 'default', 'web', { propagationPolicy: 'Foreground' });
  assert.deepEqual(api.peek<Deployment>('deployments', 'default', 'web')!.metadata.finalizers, ['foregroundDeletion']);
  await settle();
  assert.equal(api.peek('deployments', 'default', 'web'), undefined);
  assert.deepEqual(api.objects('replicasets'), []);
  assert.deepEqual(api.objects('pods'), []);
  const rsDelete = api.calls.find((c) => c.verb === 'delete' && c.resource === 'replicasets')!;
  assert.equal(rsDelete.options?.propagationPolicy, 'Foreground');
  const podDelete = api.calls.find((c) => c.verb === 'delete' && c.resource === 'pods')!;
  assert.equal(podDelete.options?.propagationPolicy, 'Background');
  // order: pods were deleted before the ReplicaSet's finalizer went, which went before the Deployment's
  const idx = (pred: (c: (typeof api.calls)[number]) => boolean): number => api.calls.findIndex(pred);
  const lastPodDelete = api.calls
    .map((c, i) => (c.verb === 'delete' && c.resource === 'pods' ? i : -1))
    .reduce((a, b) => Math.max(a, b));
  const rsFinalizer = idx((c) => c.verb === 'update' && c.resource === 'replicasets');
  const depFinalizer = idx((c) => c.verb === 'update' && c.resource === 'deployments');
  assert.ok(
    lastPodDelete < rsFinalizer && rsFinalizer < depFinalizer,
    `${lastPodDelete} < ${rsFinalizer} < ${depFinalizer}`,
  );
});

test('foreground waits for terminating pods to be really gone', async () => {
  const { api, settle } = setup();
  const { pods } = await owned(api);
  for (const p of pods) await api.bind('default', p.metadata.name!, 'n1');
  await api.delete('replicasets', 'default', 'web-abc', { propagationPolicy: 'Foreground' });
  await settle();
  assert.ok(api.peek('replicasets', 'default', 'web-abc'), 'still there while pods terminate');
  assert.ok(api.objects<Pod>('pods').every((p) => p.metadata.deletionTimestamp));
  for (const p of pods) await api.finishPodDeletion('default', p.metadata.name!);
  await settle();
  assert.equal(api.peek('replicasets', 'default', 'web-abc'), undefined);
  assert.ok(api.peek('deployments', 'default', 'web'), 'the owner of the ReplicaSet is untouched');
});

test('foreground: a dependent the cache has not seen yet keeps the finalizer', async () => {
  const { api, caches, queue, settle } = setup();
  const { rs, pods } = await owned(api);
  for (const p of pods) await api.delete('pods', 'default', p.metadata.name!);
  caches.pods.hold();
  const late = pod('late', { app: 'web' });
  late.metadata.ownerReferences = [ref(rs, 'ReplicaSet')];
  await api.create('pods', late);
  await api.delete('replicasets', 'default', 'web-abc', { propagationPolicy: 'Foreground' });
  await settle();
  assert.ok(api.peek('replicasets', 'default', 'web-abc'), 'the fresh list found a dependent');
  assert.equal(api.peek('pods', 'default', 'late'), undefined, 'and it was deleted');
  assert.equal(queue.delayed.length, 1, 'a re-check is scheduled');
  caches.pods.release();
  await settle();
  assert.equal(api.peek('replicasets', 'default', 'web-abc'), undefined);
});

test('orphaning: a dependent whose references were stripped is kept even while the cache still shows them', async () => {
  const { api, caches, settle } = setup();
  const { rs } = await owned(api);
  await settle();
  // As the apiserver orphans: the ReplicaSet loses its reference, then the Deployment goes; the
  // ReplicaSet cache has not seen the first write yet when the second arrives.
  caches.replicasets.hold();
  await api.update('replicasets', { ...rs, metadata: { ...rs.metadata, ownerReferences: undefined } });
  await api.delete('deployments', 'default', 'web');
  await settle();
  assert.equal(api.count('delete', 'replicasets'), 0, 'the orphan is not collected on the cache’s stale word');
  caches.replicasets.release();
  await settle();
  assert.equal(api.objects('replicasets').length, 1);
  assert.equal(api.objects('pods').length, 2);
});
