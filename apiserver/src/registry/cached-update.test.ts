import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceInfo, type KubeObject } from '@kubelab/api';
import { MemoryStore } from '../storage/memory.js';
import { Core, type CachedValue } from './core.js';
import { bindPod } from './update.js';

const PODS = resourceInfo('pods')!;
const pod = (name: string, nodeName?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `u-${name}` },
  spec: { containers: [{ name: 'c', image: 'x' }], ...(nodeName ? { nodeName } : {}) },
});

/** A Core whose "watch cache" answers what the test put there, and a count of etcd reads. */
function setup() {
  const store = new MemoryStore();
  const core = new Core(store);
  const cache = new Map<string, CachedValue>();
  core.cached = (_info, key) => cache.get(key);
  let reads = 0;
  const get = store.get.bind(store);
  store.get = (key: string) => {
    reads++;
    return get(key);
  };
  const write = async (obj: KubeObject): Promise<CachedValue> => {
    const key = core.key(PODS, 'default', obj.metadata.name ?? '');
    const cur = await get(key);
    const rev = await core.put(PODS, key, obj, cur?.modRevision ?? 0);
    return { raw: core.encode(obj), rev };
  };
  const cacheAs = (v: CachedValue, name: string) => cache.set(core.key(PODS, 'default', name), v);
  return { store, core, write, cacheAs, reads: () => reads };
}

test('a write starts from the watch cache: no etcd read when the cache is current', async () => {
  const { core, write, cacheAs, reads } = setup();
  cacheAs(await write(pod('a')), 'a');
  const out = await bindPod(core, 'default', 'a', 'node-1', 'u-a');
  assert.equal((out.spec as { nodeName?: string }).nodeName, 'node-1');
  assert.equal(reads(), 0);
});

test('a stale cached copy loses the CAS and the write is decided again on a read from etcd', async () => {
  const { core, write, cacheAs, reads } = setup();
  cacheAs(await write(pod('a')), 'a'); // the cache saw it unbound...
  await write(pod('a', 'node-2')); // ...and has not seen it bound yet
  await assert.rejects(bindPod(core, 'default', 'a', 'node-1', 'u-a'), /pod a is already assigned to node "node-2"/);
  assert.equal(reads(), 1);
});

test('a refusal or a no-op seen on a stale copy is checked against etcd', async () => {
  const { core, write, cacheAs } = setup();
  const old = await write(pod('a', 'node-1'));
  // etcd: deleted and made again unbound under the same name (a new uid); the cache is behind.
  const fresh = { ...pod('a'), metadata: { ...pod('a').metadata, uid: 'u-a2' } };
  await write(fresh);
  cacheAs(old, 'a');
  const out = await bindPod(core, 'default', 'a', 'node-3', 'u-a2');
  assert.equal(
    (out.spec as { nodeName?: string }).nodeName,
    'node-3',
    'the stale "already assigned" refusal was re-checked',
  );
  cacheAs(await write(pod('b')), 'b');
  await write(pod('b', 'node-1'));
  // On the stale copy binding to node-1 is a write; on etcd's it is a no-op (already there).
  assert.equal(((await bindPod(core, 'default', 'b', 'node-1')).spec as { nodeName?: string }).nodeName, 'node-1');
});

test("expectedRev: the cache's revision differs, etcd's matches: the update goes through", async () => {
  const { core, write, cacheAs } = setup();
  const first = await write(pod('a'));
  cacheAs(first, 'a');
  const second = await write({ ...pod('a'), metadata: { ...pod('a').metadata, labels: { v: '2' } } });
  const out = await core.guaranteedUpdate(
    PODS,
    'default',
    'a',
    (cur) => ({ obj: { ...cur, metadata: { ...cur.metadata, labels: { v: '3' } } } }),
    second.rev,
  );
  assert.deepEqual(out.metadata.labels, { v: '3' });
  await assert.rejects(
    core.guaranteedUpdate(PODS, 'default', 'a', (cur) => ({ obj: cur }), first.rev),
    /Operation cannot be fulfilled/,
  );
});
