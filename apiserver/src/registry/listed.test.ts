import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { MemoryStore } from '../storage/memory.js';
import { bootstrap } from './bootstrap.js';
import { StoreRegistry } from './registry.js';
import { laggingStore, pod } from './testing.js';

/** A registry whose storage watch delivers each event 40 ms late, and a count of storage gets. */
async function lagging(): Promise<{ registry: StoreRegistry; gets: () => number }> {
  const { store, gets } = laggingStore(new MemoryStore());
  const registry = new StoreRegistry(store, { namespacePollMs: 5 });
  await bootstrap(registry);
  return { registry, gets };
}

const labels = (o: KubeObject): Record<string, string> | undefined => o.metadata.labels;

/** Listed gets until one is served without a storage read (the first starts the cache). */
async function untilServedFromCache(registry: StoreRegistry, gets: () => number, name: string): Promise<KubeObject> {
  for (let i = 0; i < 200; i++) {
    const before = gets();
    const o = await registry.get('namespaces', '', name, { listed: true, shared: true });
    if (gets() === before) return o;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail('the namespaces cache never served a listed get');
}

it('listed gets: from the watch cache, but never older than this apiserver’s last write of the resource', async () => {
  const { registry, gets } = await lagging();
  const ns = await untilServedFromCache(registry, gets, 'default');
  assert.equal(ns.metadata.name, 'default');

  const updated = await registry.update('namespaces', '', 'default', {
    ...ns,
    metadata: { ...ns.metadata, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  });
  const before = gets();
  const right = await registry.get('namespaces', '', 'default', { listed: true, shared: true });
  assert.equal(gets(), before + 1, 'the cache has not seen the write yet: storage');
  assert.deepEqual(labels(right), labels(updated));
  const later = await untilServedFromCache(registry, gets, 'default');
  assert.equal(later.metadata.resourceVersion, updated.metadata.resourceVersion, 'then the cache, once it has');
  // A namespaced create compares its namespace in its txn: a check, not a write of the namespace.
  await registry.create('configmaps', 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  const atCreate = gets();
  await registry.get('namespaces', '', 'default', { listed: true, shared: true });
  assert.equal(gets(), atCreate, 'still the cache after a create in the namespace');

  const sa: KubeObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'robot', namespace: 'default' },
  };
  await registry.create('serviceaccounts', 'default', sa);
  const fresh = await registry.get('serviceaccounts', 'default', 'robot', { listed: true });
  assert.equal(fresh.metadata.name, 'robot', 'just created, not yet in the cache: storage');

  await registry.create('pods', 'default', pod('p'));
  const atPods = gets();
  await registry.get('pods', 'default', 'p', { listed: true });
  await registry.get('pods', 'default', 'p', { listed: true });
  assert.equal(gets(), atPods + 2, 'other resources are not listed: storage each time');
  await registry.close();
});

it('atVersion (admission’s old object of an update): the cache’s copy only when it is of exactly that version', async () => {
  const { registry, gets } = await lagging();
  const p = await registry.create('pods', 'default', pod('p'));
  await registry.list('pods', { namespace: '', resourceVersion: '0' }); // starts the cache
  const v1 = p.metadata.resourceVersion ?? '';
  for (let i = 0; ; i++) {
    const before = gets();
    await registry.get('pods', 'default', 'p', { atVersion: v1 });
    if (gets() === before) break;
    assert.ok(i < 200, 'the cache serves the version it holds');
    await new Promise((r) => setTimeout(r, 5));
  }
  const p2 = await registry.update('pods', 'default', 'p', { ...p, metadata: { ...p.metadata, labels: { x: 'y' } } });
  const before = gets();
  const old = await registry.get('pods', 'default', 'p', { atVersion: p2.metadata.resourceVersion });
  assert.equal(gets(), before + 1, 'a version the lagging cache does not have yet: storage');
  assert.equal(old.metadata.resourceVersion, p2.metadata.resourceVersion);
  await registry.close();
});
