import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { MemoryStore } from '../storage/memory.js';
import { bootstrap } from './bootstrap.js';
import { StoreRegistry } from './registry.js';
import { pod } from './testing.js';

/** A registry whose storage watch delivers each event 40 ms late (as a loaded etcd stream may), and a count of storage gets. */
async function lagging(): Promise<{ registry: StoreRegistry; gets: () => number }> {
  const store = new MemoryStore();
  let gets = 0;
  const slow = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'get')
        return (key: string) => {
          gets++;
          return target.get(key);
        };
      if (prop !== 'watch') return Reflect.get(target, prop, receiver);
      return async function* (prefix: string, from: number, signal: AbortSignal) {
        for await (const ev of target.watch(prefix, from, signal)) {
          await new Promise((r) => setTimeout(r, 40));
          yield ev;
        }
      };
    },
  });
  const registry = new StoreRegistry(slow, { namespacePollMs: 5 });
  await bootstrap(registry);
  return { registry, gets: () => gets };
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
