import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { EventReader, newRegistry, pod } from './testing.js';

const isReason =
  (r: string) =>
  (e: unknown): boolean =>
    e instanceof ApiError && e.reason === r;

function owned(name: string, owner: KubeObject): KubeObject {
  const p = pod(name);
  p.metadata.ownerReferences = [
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: owner.metadata.name!,
      uid: owner.metadata.uid!,
      controller: true,
    },
  ];
  return p;
}

const rs = (name: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } },
  },
});

describe('registry: delete', () => {
  it('removes unbound pods at once and returns them', async () => {
    const { registry } = await newRegistry();
    const p = await registry.create('pods', 'default', pod('web'));
    const gone = await registry.delete('pods', 'default', 'web');
    assert.equal(gone.metadata.uid, p.metadata.uid);
    assert.ok(Number(gone.metadata.resourceVersion) > Number(p.metadata.resourceVersion));
    await assert.rejects(registry.get('pods', 'default', 'web'), isReason('NotFound'));
    await assert.rejects(registry.delete('pods', 'default', 'web'), isReason('NotFound'));
  });

  it('deletes bound pods gracefully until the kubelet deletes with grace period 0', async () => {
    const { registry } = await newRegistry();
    await registry.create('pods', 'default', pod('web', {}, { nodeName: 'n1', terminationGracePeriodSeconds: 20 }));
    const marked = await registry.delete('pods', 'default', 'web');
    assert.equal(marked.metadata.deletionTimestamp, '2024-05-01T10:00:20Z');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 20);
    assert.equal(marked.metadata.generation, 2);
    assert.deepEqual(await registry.get('pods', 'default', 'web'), marked);
    const again = await registry.delete('pods', 'default', 'web');
    assert.equal(
      again.metadata.resourceVersion,
      marked.metadata.resourceVersion,
      'a longer grace period changes nothing',
    );
    const shorter = await registry.delete('pods', 'default', 'web', { gracePeriodSeconds: 5 });
    assert.equal(shorter.metadata.deletionGracePeriodSeconds, 5);
    assert.equal(shorter.metadata.deletionTimestamp, '2024-05-01T10:00:05Z');
    await registry.delete('pods', 'default', 'web', { gracePeriodSeconds: 0 });
    await assert.rejects(registry.get('pods', 'default', 'web'), isReason('NotFound'));
  });

  it('uses the requested grace period and 30s by default', async () => {
    const { registry } = await newRegistry();
    await registry.create('pods', 'default', pod('a', {}, { nodeName: 'n1' }));
    assert.equal((await registry.delete('pods', 'default', 'a')).metadata.deletionGracePeriodSeconds, 30);
    await registry.create('pods', 'default', pod('b', {}, { nodeName: 'n1' }));
    assert.equal(
      (await registry.delete('pods', 'default', 'b', { gracePeriodSeconds: 3 })).metadata.deletionGracePeriodSeconds,
      3,
    );
    await registry.create('pods', 'default', pod('c', {}, { nodeName: 'n1' }));
    await registry.delete('pods', 'default', 'c', { gracePeriodSeconds: 0 });
    await assert.rejects(registry.get('pods', 'default', 'c'), isReason('NotFound'));
  });

  it('checks uid and resourceVersion preconditions', async () => {
    const { registry } = await newRegistry();
    const p = await registry.create('pods', 'default', pod('web'));
    await assert.rejects(
      registry.delete('pods', 'default', 'web', { preconditionUid: 'x' }),
      (e: unknown) => e instanceof ApiError && e.reason === 'Conflict' && /UID in precondition: x/.test(e.message),
    );
    await assert.rejects(
      registry.delete('pods', 'default', 'web', { preconditionResourceVersion: '1' }),
      isReason('Conflict'),
    );
    await registry.delete('pods', 'default', 'web', {
      preconditionUid: p.metadata.uid,
      preconditionResourceVersion: p.metadata.resourceVersion,
    });
  });

  it('keeps objects with finalizers until an update removes the last one', async () => {
    const { registry } = await newRegistry();
    const p = pod('web');
    p.metadata.finalizers = ['example.com/hold'];
    await registry.create('pods', 'default', p);
    const marked = await registry.delete('pods', 'default', 'web');
    assert.equal(marked.metadata.deletionTimestamp, '2024-05-01T10:00:00Z');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
    await assert.rejects(
      registry.update('pods', 'default', 'web', {
        ...marked,
        metadata: { ...marked.metadata, finalizers: ['example.com/hold', 'new'] },
      }),
      (e: unknown) =>
        e instanceof ApiError && e.reason === 'Invalid' && /no new finalizers can be added/.test(e.message),
    );
    await registry.update('pods', 'default', 'web', { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
    await assert.rejects(registry.get('pods', 'default', 'web'), isReason('NotFound'));
  });

  it('Foreground adds the foregroundDeletion finalizer', async () => {
    const { registry } = await newRegistry();
    await registry.create('replicasets', 'default', rs('web'));
    const marked = await registry.delete('replicasets', 'default', 'web', { propagationPolicy: 'Foreground' });
    assert.deepEqual(marked.metadata.finalizers, ['foregroundDeletion']);
    assert.ok(marked.metadata.deletionTimestamp);
    const cur = await registry.get('replicasets', 'default', 'web');
    await registry.update('replicasets', 'default', 'web', {
      ...cur,
      metadata: { ...cur.metadata, finalizers: undefined },
    });
    await assert.rejects(registry.get('replicasets', 'default', 'web'), isReason('NotFound'));
  });

  it('Orphan strips the owner from dependents; Background leaves them to the GC', async () => {
    const { registry } = await newRegistry();
    const owner = await registry.create('replicasets', 'default', rs('web'));
    await registry.create('pods', 'default', owned('p1', owner));
    const other = pod('p2');
    other.metadata.ownerReferences = [
      { apiVersion: 'v1', kind: 'Thing', name: 'x', uid: 'other-uid' },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner.metadata.uid! },
    ];
    await registry.create('pods', 'default', other);
    await registry.delete('replicasets', 'default', 'web', { propagationPolicy: 'Orphan' });
    await assert.rejects(registry.get('replicasets', 'default', 'web'), isReason('NotFound'));
    assert.equal((await registry.get('pods', 'default', 'p1')).metadata.ownerReferences, undefined);
    assert.deepEqual(
      (await registry.get('pods', 'default', 'p2')).metadata.ownerReferences?.map((r) => r.uid),
      ['other-uid'],
    );

    const owner2 = await registry.create('replicasets', 'default', rs('api'));
    await registry.create('pods', 'default', owned('p3', owner2));
    await registry.delete('replicasets', 'default', 'api');
    assert.equal((await registry.get('pods', 'default', 'p3')).metadata.ownerReferences?.[0]?.uid, owner2.metadata.uid);
  });

  it('Orphan marks the owner deleting (orphan finalizer) before it strips dependents, so controllers stop adopting', async () => {
    const { registry } = await newRegistry();
    const owner = await registry.create('replicasets', 'default', rs('web'));
    await registry.create('pods', 'default', owned('p1', owner));
    const ac = new AbortController();
    const rsEvents = new EventReader(
      registry.watch(
        'replicasets',
        { namespace: 'default', resourceVersion: owner.metadata.resourceVersion! },
        ac.signal,
      ),
    );
    const podEvents = new EventReader(
      registry.watch('pods', { namespace: 'default', resourceVersion: owner.metadata.resourceVersion! }, ac.signal),
    );
    await registry.delete('replicasets', 'default', 'web', { propagationPolicy: 'Orphan' });
    const [marked, deleted] = await rsEvents.take(2);
    const [added, stripped] = await podEvents.take(2);
    ac.abort();
    assert.equal(marked?.type, 'MODIFIED');
    assert.ok(marked?.object.metadata.deletionTimestamp);
    assert.deepEqual(marked?.object.metadata.finalizers, ['orphan']);
    assert.equal(deleted?.type, 'DELETED');
    assert.equal(added?.type, 'ADDED');
    assert.equal(stripped?.type, 'MODIFIED');
    assert.equal(stripped?.object.metadata.ownerReferences, undefined);
    assert.ok(Number(marked!.object.metadata.resourceVersion) < Number(stripped!.object.metadata.resourceVersion));
    assert.ok(Number(stripped!.object.metadata.resourceVersion) < Number(deleted!.object.metadata.resourceVersion));
    await assert.rejects(registry.get('replicasets', 'default', 'web'), isReason('NotFound'));
  });

  it('deletes a namespace after deleting its contents; system namespaces are protected', async () => {
    const { registry } = await newRegistry();
    await registry.create('namespaces', '', { metadata: { name: 'dev' } });
    await registry.create('pods', 'dev', pod('a'));
    await registry.create('replicasets', 'dev', rs('r'));
    await registry.create('services', 'dev', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    await registry.create('pods', 'default', pod('keep'));
    const ns = await registry.delete('namespaces', '', 'dev');
    assert.equal((ns.status as { phase: string }).phase, 'Terminating');
    assert.ok(ns.metadata.deletionTimestamp);
    await registry.idle();
    await assert.rejects(registry.get('namespaces', '', 'dev'), isReason('NotFound'));
    assert.equal((await registry.list('pods', { namespace: 'dev' })).items.length, 0);
    assert.equal((await registry.list('services', { namespace: 'dev' })).items.length, 0);
    await registry.get('pods', 'default', 'keep');
    await assert.rejects(
      registry.delete('namespaces', '', 'default'),
      (e: unknown) =>
        e instanceof ApiError &&
        e.reason === 'Forbidden' &&
        e.message === 'namespaces "default" is forbidden: this namespace may not be deleted',
    );
  });

  it('waits for gracefully deleted pods before removing the namespace', async () => {
    const { registry } = await newRegistry();
    await registry.create('namespaces', '', { metadata: { name: 'dev' } });
    await registry.create('pods', 'dev', pod('bound', {}, { nodeName: 'n1' }));
    await registry.delete('namespaces', '', 'dev');
    const watcher = registry.watch('pods', { namespace: 'dev', resourceVersion: '0' }, AbortSignal.timeout(2_000));
    for await (const ev of watcher) {
      if (ev.object.metadata.deletionTimestamp) break;
    }
    assert.equal(((await registry.get('namespaces', '', 'dev')).status as { phase: string }).phase, 'Terminating');
    await registry.delete('pods', 'dev', 'bound', { gracePeriodSeconds: 0 });
    await registry.idle();
    await assert.rejects(registry.get('namespaces', '', 'dev'), isReason('NotFound'));
  });
});
