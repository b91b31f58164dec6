import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { EventReader, laggingStore, newRegistry, pod, summary } from './testing.js';
import { INITIAL_EVENTS_END } from './watch.js';
import { ANY_REVISION_AGE_MS } from './cache-read.js';
import { MemoryStore } from '../storage/memory.js';
import { bootstrap } from './bootstrap.js';
import { StoreRegistry } from './registry.js';

const names = (items: { metadata: { name?: string } }[]): string[] => items.map((i) => i.metadata.name ?? '');

/** Lists with resourceVersion "0" until the cache answers (the first one starts it). */
async function untilCached(registry: StoreRegistry, resource: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await registry.list(resource, { namespace: '', resourceVersion: '0' });
    if (
      (registry as unknown as { hubs: { get(p: string): { isSynced: boolean } } }).hubs.get(`/registry/${resource}/`)
        .isSynced
    )
      return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`the ${resource} cache did not sync`);
}

const expectStatus = (reason: string, message?: RegExp) => (e: unknown) =>
  e instanceof ApiError && e.reason === reason && (!message || message.test(e.message));

describe('registry: the watch cache (upstream cacher semantics)', () => {
  it('serves lists and gets at resourceVersion "0" from memory; "" reads storage', async () => {
    const { store, registry } = await newRegistry();
    await registry.create('pods', 'default', pod('b'));
    await registry.create('pods', 'default', pod('a'));
    await untilCached(registry, 'pods');
    const c = await registry.create('pods', 'default', pod('c'));
    await new Promise((r) => setTimeout(r, 5));
    store.setAvailable(false);
    const cached = await registry.list('pods', { namespace: 'default', resourceVersion: '0', limit: 1 });
    assert.deepEqual(names(cached.items), ['a', 'b', 'c'], 'key order; a limit is ignored at "0", as upstream');
    assert.equal(cached.resourceVersion, c.metadata.resourceVersion);
    assert.equal(cached.continue, '');
    assert.equal(
      (await registry.get('pods', 'default', 'c', { resourceVersion: '0' })).metadata.resourceVersion,
      c.metadata.resourceVersion,
    );
    await assert.rejects(
      registry.get('pods', 'default', 'zz', { resourceVersion: '0' }),
      expectStatus('NotFound', /^pods "zz" not found$/),
    );
    await assert.rejects(
      registry.list('pods', { namespace: 'default' }),
      expectStatus('ServiceUnavailable'),
      'a consistent list reads storage',
    );
    await assert.rejects(
      registry.list('pods', { namespace: 'default', resourceVersion: c.metadata.resourceVersion, limit: 2 }),
      expectStatus('ServiceUnavailable'),
      'exact (legacy limit) reads storage',
    );
    store.setAvailable(true);
    await registry.close();
  });

  it('"0" settles first: a write acknowledged a moment ago is in the list even when the cache’s watch lags', async () => {
    const registry = new StoreRegistry(laggingStore(new MemoryStore()).store, { namespacePollMs: 5 });
    await bootstrap(registry);
    await untilCached(registry, 'pods');
    await registry.create('pods', 'default', pod('just-written'));
    const page = await registry.list('pods', { namespace: 'default', resourceVersion: '0' });
    assert.deepEqual(names(page.items), ['just-written']);
    assert.equal(
      (await registry.get('pods', 'default', 'just-written', { resourceVersion: '0' })).metadata.name,
      'just-written',
    );
    await registry.close();
  });

  it('"0" reads one after another share a recent read of etcd’s revision', async () => {
    const { store, registry } = await newRegistry();
    await untilCached(registry, 'pods');
    await registry.create('pods', 'default', pod('a'));
    let reads = 0;
    const current = store.currentRevision.bind(store);
    store.currentRevision = () => {
      reads++;
      return current();
    };
    const started = performance.now();
    for (let i = 0; i < 20; i++) await registry.list('pods', { namespace: 'default', resourceVersion: '0' });
    const windows = Math.ceil((performance.now() - started) / ANY_REVISION_AGE_MS);
    assert.ok(reads <= windows + 1, `${reads} reads of the revision for 20 lists in ${windows} window(s)`);
    await registry.close();
  });

  it('copies: a caller that changes what it got does not change the cache', async () => {
    const { registry } = await newRegistry();
    await registry.create('pods', 'default', pod('a', { app: 'x' }));
    await untilCached(registry, 'pods');
    const first = await registry.list('pods', { namespace: 'default', resourceVersion: '0' });
    first.items[0]!.metadata.labels = { app: 'changed' };
    const again = await registry.list('pods', { namespace: 'default', resourceVersion: '0', labelSelector: 'app=x' });
    assert.deepEqual(names(again.items), ['a']);
    await registry.close();
  });

  it('shared: the cache’s own object, one per version; cacheOnly: the cache as it is, no storage read', async () => {
    const { store, registry } = await newRegistry();
    const a = await registry.create('pods', 'default', pod('a', { app: 'x' }));
    await assert.rejects(
      registry.get('pods', 'default', 'a', { cacheOnly: true }),
      expectStatus('NotFound'),
      'no cache yet: NotFound, never a storage read',
    );
    await untilCached(registry, 'pods');
    const one = await registry.get('pods', 'default', 'a', { resourceVersion: '0', shared: true });
    assert.equal(await registry.get('pods', 'default', 'a', { resourceVersion: '0', shared: true }), one);
    assert.notEqual(await registry.get('pods', 'default', 'a', { resourceVersion: '0' }), one, 'a copy without shared');
    assert.equal(one.metadata.resourceVersion, a.metadata.resourceVersion);
    const b = await registry.update('pods', 'default', 'a', {
      ...a,
      metadata: { ...a.metadata, labels: { app: 'y' } },
    });
    const two = await registry.get('pods', 'default', 'a', { resourceVersion: '0', shared: true });
    assert.notEqual(two, one, 'a new version is a new object');
    assert.equal(two.metadata.resourceVersion, b.metadata.resourceVersion);
    assert.deepEqual(one.metadata.labels, { app: 'x' }, 'the old version is unchanged');
    store.setAvailable(false);
    const cached = await registry.get('pods', 'default', 'a', { cacheOnly: true });
    assert.equal(cached.metadata.resourceVersion, b.metadata.resourceVersion);
    await assert.rejects(registry.get('pods', 'default', 'zz', { cacheOnly: true }), expectStatus('NotFound'));
    store.setAvailable(true);
    await registry.close();
  });

  it('"not older than N": waits for the cache to reach N, proves a quiet resource current, 504 for a future N', async () => {
    const { registry } = await newRegistry({ resourceVersionWaitMs: 300, resourceVersionPollMs: 10 });
    await registry.create('pods', 'default', pod('a'));
    await untilCached(registry, 'pods');
    const p = await registry.create('pods', 'default', pod('b'));
    const page = await registry.list('pods', { namespace: 'default', resourceVersion: p.metadata.resourceVersion });
    assert.deepEqual(names(page.items), ['a', 'b'], 'the write N is in a list not older than N');
    // Writes elsewhere move the revision on; nothing changes for pods: served at the newer revision.
    const cm = await registry.create('configmaps', 'default', { metadata: { name: 'x' } });
    const quiet = await registry.list('pods', {
      namespace: 'default',
      resourceVersion: cm.metadata.resourceVersion,
      resourceVersionMatch: 'NotOlderThan',
    });
    assert.equal(quiet.resourceVersion, cm.metadata.resourceVersion);
    assert.deepEqual(names(quiet.items), ['a', 'b']);
    const got = await registry.get('pods', 'default', 'b', { resourceVersion: cm.metadata.resourceVersion });
    assert.equal(got.metadata.resourceVersion, p.metadata.resourceVersion);
    const future = String(Number(cm.metadata.resourceVersion) + 100);
    await assert.rejects(
      registry.list('pods', { namespace: 'default', resourceVersion: future, resourceVersionMatch: 'NotOlderThan' }),
      (e: unknown) =>
        e instanceof ApiError &&
        e.reason === 'Timeout' &&
        /^Timeout: Too large resource version: \d+, current: \d+$/.test(e.message) &&
        e.details?.retryAfterSeconds === 1,
    );
    await registry.close();
  });

  it('a quiet resource that had a deletion is not taken for current', async () => {
    const { store, registry } = await newRegistry({ resourceVersionWaitMs: 200, resourceVersionPollMs: 10 });
    await registry.create('pods', 'default', pod('a'));
    await untilCached(registry, 'pods');
    const hub = (
      registry as unknown as { hubs: { get(p: string): { state: { rev: number; size: number } } } }
    ).hubs.get('/registry/pods/');
    // A deletion the cache has not seen (written to storage behind the watch's back is not possible,
    // so freeze the cache's view: as if its watch lagged) must not pass the two-count check.
    const before = hub.state.rev;
    await store.delete('/registry/pods/default/a');
    const rev = await store.currentRevision();
    const { waitFresh } = await import('./cache-read.js');
    const frozen = {
      isSynced: true,
      epoch: 1,
      prefix: '/registry/pods/',
      state: { rev: before, size: 1 },
      advance: () => undefined,
      nextChange: (ms: number) => new Promise((r) => setTimeout(r, ms)),
    } as never;
    await assert.rejects(waitFresh(store, frozen, rev, { waitMs: 50, pollMs: 10 }), expectStatus('Timeout'));
    await registry.close();
  });

  it('watch-list: the state as ADDED, a BOOKMARK marked initial-events-end, then the changes', async () => {
    const { registry } = await newRegistry();
    await registry.create('pods', 'default', pod('a'));
    await registry.create('pods', 'default', pod('b', { app: 'web' }));
    const ac = new AbortController();
    const r = new EventReader(
      registry.watch('pods', { namespace: 'default', sendInitialEvents: true, allowBookmarks: true }, ac.signal),
    );
    const first = await r.take(3);
    assert.deepEqual(summary(first), ['ADDED a', 'ADDED b', 'BOOKMARK ']);
    const end = first[2]!.object;
    assert.deepEqual(end.metadata.annotations, { [INITIAL_EVENTS_END]: 'true' });
    assert.equal(end.kind, 'Pod');
    assert.equal(end.apiVersion, 'v1');
    const c = await registry.create('pods', 'default', pod('c'));
    assert.ok(Number(end.metadata.resourceVersion) < Number(c.metadata.resourceVersion));
    assert.deepEqual(summary(await r.take(1)), ['ADDED c']);
    // Without allowWatchBookmarks: the state, no bookmark (upstream sends it only when allowed).
    const plain = new EventReader(
      registry.watch('pods', { namespace: 'default', labelSelector: 'app=web', sendInitialEvents: true }, ac.signal),
    );
    assert.deepEqual(summary(await plain.take(1)), ['ADDED b']);
    await registry.create('pods', 'default', pod('d', { app: 'web' }));
    assert.deepEqual(summary(await plain.take(1)), ['ADDED d']);
    ac.abort();
    await registry.close();
  });

  it('watch-list "not older than N" waits for N; sendInitialEvents=false starts without the state', async () => {
    const { registry } = await newRegistry({ resourceVersionWaitMs: 200, resourceVersionPollMs: 10 });
    const a = await registry.create('pods', 'default', pod('a'));
    const ac = new AbortController();
    const at = new EventReader(
      registry.watch(
        'pods',
        {
          namespace: 'default',
          resourceVersion: a.metadata.resourceVersion,
          sendInitialEvents: true,
          allowBookmarks: true,
        },
        ac.signal,
      ),
    );
    assert.deepEqual(summary(await at.take(2)), ['ADDED a', 'BOOKMARK ']);
    const future = String(Number(a.metadata.resourceVersion) + 50);
    const tooNew = new EventReader(
      registry.watch('pods', { namespace: 'default', resourceVersion: future, sendInitialEvents: true }, ac.signal),
    );
    await assert.rejects(tooNew.next(), expectStatus('Timeout', /Too large resource version/));
    const changesOnly = new EventReader(
      registry.watch('pods', { namespace: 'default', sendInitialEvents: false }, ac.signal),
    );
    const next = changesOnly.next(); // a watch starts when first read
    await new Promise((r) => setTimeout(r, 10));
    await registry.create('pods', 'default', pod('b'));
    assert.deepEqual(summary([(await next)!]), ['ADDED b']);
    const fromZero = new EventReader(registry.watch('pods', { namespace: 'default', resourceVersion: '0' }, ac.signal));
    assert.deepEqual(
      summary(await fromZero.take(2)).sort(),
      ['ADDED a', 'ADDED b'],
      'legacy "0": the state from the cache',
    );
    ac.abort();
    await registry.close();
  });

  it('while the cache cannot fill, "0" and "N" lists get 429 with Retry-After 1, not a read of etcd each', async () => {
    const { store, registry } = await newRegistry({ resourceVersionWaitMs: 100 });
    const a = await registry.create('pods', 'default', pod('a'));
    store.setAvailable(false);
    for (const resourceVersion of ['0', a.metadata.resourceVersion]) {
      await assert.rejects(
        registry.list('pods', { namespace: 'default', resourceVersion }),
        (e: unknown) =>
          expectStatus('TooManyRequests', /^storage is \(re\)initializing$/)(e) &&
          (e as ApiError).details?.retryAfterSeconds === 1,
        `resourceVersion ${resourceVersion}`,
      );
    }
    await assert.rejects(
      registry.list('pods', { namespace: 'default' }),
      expectStatus('ServiceUnavailable'),
      'a consistent list still goes to storage',
    );
    store.setAvailable(true);
    await untilCached(registry, 'pods');
    const page = await registry.list('pods', { namespace: 'default', resourceVersion: a.metadata.resourceVersion });
    assert.deepEqual(names(page.items), ['a']);
    await registry.close();
  });

  it('consistent lists that find the cache filling wait for its one range instead of reading storage each', async () => {
    const { store, registry } = await newRegistry();
    for (const n of ['a', 'b', 'c']) await registry.create('pods', 'default', pod(n));
    let ranges = 0;
    const list = store.list.bind(store);
    store.list = (prefix, opts) => {
      if (prefix.startsWith('/registry/pods/')) ranges++;
      return list(prefix, opts);
    };
    const pages = await Promise.all(
      Array.from({ length: 20 }, () =>
        registry.list('pods', { namespace: 'default', fieldSelector: 'spec.nodeName=' }),
      ),
    );
    for (const p of pages) assert.deepEqual(names(p.items), ['a', 'b', 'c']);
    assert.equal(ranges, 1, 'the cache filled once; no list read storage');
    await registry.close();
  });

  it('with the cache off, everything reads storage (and watch-list still works)', async () => {
    const { store, registry } = await newRegistry({ watchCache: false });
    await registry.create('pods', 'default', pod('a'));
    const ac = new AbortController();
    const r = new EventReader(
      registry.watch('pods', { namespace: 'default', sendInitialEvents: true, allowBookmarks: true }, ac.signal),
    );
    assert.deepEqual(summary(await r.take(2)), ['ADDED a', 'BOOKMARK ']);
    store.setAvailable(false);
    await assert.rejects(
      registry.list('pods', { namespace: 'default', resourceVersion: '0' }),
      expectStatus('ServiceUnavailable'),
    );
    store.setAvailable(true);
    ac.abort();
    await registry.close();
  });
});
