import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRegistry, pod } from '../registry/testing.js';
import { registryGraph } from './node-authorizer.js';

describe('the Node authorizer graph on the registry', () => {
  it('serves the cached pods of a node without asking the storage, and a consistent read on request', async () => {
    const { store, registry } = await newRegistry();
    await registry.create('pods', 'default', pod('a', {}, { nodeName: 'n1' }));
    await registry.create('pods', 'default', pod('b', {}, { nodeName: 'n2' }));
    await registry.create('pods', 'kube-system', pod('c', {}, { nodeName: 'n1' }));
    const graph = registryGraph(registry);
    // The cache fills on first use; wait until it holds both pods of default.
    for (let i = 0; i < 100 && (registry.cachedObjects('pods', 'default', () => true)?.length ?? 0) < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    let lists = 0;
    let revisions = 0;
    const list = store.list.bind(store);
    store.list = (...args: Parameters<typeof store.list>) => {
      lists++;
      return list(...args);
    };
    const currentRevision = store.currentRevision.bind(store);
    store.currentRevision = () => {
      revisions++;
      return currentRevision();
    };
    const names = async (fresh: boolean) =>
      (await graph.podsOnNode('n1', 'default', fresh)).map((p) => p.metadata.name).sort();
    assert.deepEqual(await names(false), ['a']);
    assert.equal(lists + revisions, 0, 'the cached read asks the storage nothing');
    assert.deepEqual(await names(true), ['a']);
    // A consistent list, from the cache once it has reached the storage's current revision.
    assert.ok(revisions >= 1, "the fresh read asks the storage's current revision");
  });

  it('falls back to the storage when the registry has no watch cache', async () => {
    const { registry } = await newRegistry({ watchCache: false });
    await registry.create('pods', 'default', pod('a', {}, { nodeName: 'n1' }));
    assert.equal(
      registry.cachedObjects('pods', 'default', () => true),
      undefined,
    );
    const pods = await registryGraph(registry).podsOnNode('n1', 'default', false);
    assert.deepEqual(
      pods.map((p) => p.metadata.name),
      ['a'],
    );
  });
});
