/**
 * The behaviour every Store must have, as a node:test suite shared by the in-memory store's unit
 * test and the etcd integration test. Each case works under its own key prefix.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ApiError } from '@kubelab/proto';
import { FutureRevisionError, KeyExistsError, RevisionConflictError, type Store, type StoreEvent } from './store.js';

const b = (s: string): Buffer => Buffer.from(s);

/** Reads n events (or fails after timeoutMs), then stops the watch. */
export async function takeEvents(
  store: Store,
  prefix: string,
  from: number,
  n: number,
  timeoutMs = 5_000,
): Promise<StoreEvent[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const out: StoreEvent[] = [];
  try {
    for await (const ev of store.watch(prefix, from, ac.signal)) {
      out.push(ev);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return out;
}

export function storeContract(
  name: string,
  open: () => Promise<Store>,
  close: (s: Store) => Promise<void> = (s) => s.close(),
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let p: string;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await close(store);
    });
    const fresh = (): string => (p = `/contract/${randomUUID()}/`);

    it('creates, gets and refuses to create twice', async () => {
      fresh();
      const rev = await store.create(`${p}a`, b('1'));
      assert.ok(rev > 0);
      const kv = await store.get(`${p}a`);
      assert.equal(kv?.value.toString(), '1');
      assert.equal(kv?.modRevision, rev);
      assert.equal(kv?.createRevision, rev);
      assert.equal(await store.get(`${p}missing`), undefined);
      await assert.rejects(
        store.create(`${p}a`, b('2')),
        (e: unknown) => e instanceof KeyExistsError && e.current?.value.toString() === '1',
      );
      assert.ok((await store.currentRevision()) >= rev);
    });

    it('counts the keys under a prefix, and those modified since a revision', async () => {
      fresh();
      const r1 = await store.create(`${p}a`, b('1'));
      await store.create(`${p}b`, b('1'));
      const r3 = await store.create(`${p}c`, b('1'));
      const now = await store.currentRevision();
      assert.equal(await store.count(p, now), 3);
      assert.equal(await store.count(p, now, r1 + 1), 2, 'b and c were written after a');
      assert.equal(await store.count(p, now, r3 + 1), 0, 'nothing after c');
      assert.equal(await store.count(p, r1), 1, 'at a past revision');
    });

    it('updates with compare-and-swap on the mod revision', async () => {
      fresh();
      const r1 = await store.create(`${p}a`, b('1'));
      const r2 = await store.update(`${p}a`, b('2'), r1);
      assert.ok(r2 > r1);
      const kv = await store.get(`${p}a`);
      assert.deepEqual([kv?.value.toString(), kv?.modRevision, kv?.createRevision], ['2', r2, r1]);
      await assert.rejects(
        store.update(`${p}a`, b('3'), r1),
        (e: unknown) => e instanceof RevisionConflictError && e.current?.modRevision === r2,
      );
      await assert.rejects(
        store.update(`${p}nope`, b('3'), 5),
        (e: unknown) => e instanceof RevisionConflictError && e.current === undefined,
      );
    });

    it('deletes, optionally on a revision, returning the previous value', async () => {
      fresh();
      const r1 = await store.create(`${p}a`, b('1'));
      await assert.rejects(store.delete(`${p}a`, r1 + 100), RevisionConflictError);
      const del = await store.delete(`${p}a`, r1);
      assert.ok(del && del.revision > r1);
      assert.equal(del.prev.value.toString(), '1');
      assert.equal(await store.get(`${p}a`), undefined);
      assert.equal(await store.delete(`${p}a`), undefined);
    });

    it('lists a prefix in key order with limit, start key and past revisions', async () => {
      fresh();
      await store.create(`${p}b`, b('b'));
      const rA = await store.create(`${p}a`, b('a'));
      await store.create(`${p}c`, b('c'));
      await store.create(`${p.slice(0, -1)}x/other`, b('x'));
      const all = await store.list(p);
      assert.deepEqual(
        all.kvs.map((kv) => kv.key.slice(p.length)),
        ['a', 'b', 'c'],
      );
      assert.equal(all.more, false);
      assert.ok(all.revision >= rA);
      const page = await store.list(p, { limit: 2 });
      assert.deepEqual(
        page.kvs.map((kv) => kv.value.toString()),
        ['a', 'b'],
      );
      assert.equal(page.more, true);
      const rest = await store.list(p, { startKey: `${p}b\0` });
      assert.deepEqual(
        rest.kvs.map((kv) => kv.value.toString()),
        ['c'],
      );
      const old = await store.list(p, { revision: rA });
      assert.deepEqual(
        old.kvs.map((kv) => kv.value.toString()),
        ['a', 'b'],
      );
      assert.equal(old.revision, rA);
    });

    it('refuses to read at a revision that does not exist yet', async () => {
      fresh();
      const rev = await store.create(`${p}a`, b('1'));
      const now = await store.currentRevision();
      await assert.rejects(
        store.list(p, { revision: now + 1000 }),
        (e: unknown) => e instanceof FutureRevisionError && e.requested === now + 1000 && e.current >= now,
      );
      const atNow = await store.list(p, { revision: rev });
      assert.deepEqual([atNow.revision, atNow.kvs.length], [rev, 1]);
    });

    it('applies a txn atomically or not at all', async () => {
      fresh();
      const r1 = await store.create(`${p}a`, b('1'));
      await assert.rejects(
        store.txn([
          { type: 'create', key: `${p}new`, value: b('n') },
          { type: 'check', key: `${p}a`, modRevision: r1 + 1000 },
        ]),
        (e: unknown) => e instanceof RevisionConflictError && e.key === `${p}a`,
      );
      assert.equal(await store.get(`${p}new`), undefined);
      await assert.rejects(store.txn([{ type: 'create', key: `${p}a`, value: b('x') }]), KeyExistsError);
      const rev = await store.txn([
        { type: 'create', key: `${p}new`, value: b('n') },
        { type: 'update', key: `${p}a`, value: b('2'), modRevision: r1 },
        { type: 'check', key: `${p}absent`, modRevision: 0 },
      ]);
      assert.equal((await store.get(`${p}new`))?.modRevision, rev);
      assert.equal((await store.get(`${p}a`))?.modRevision, rev);
      const rev2 = await store.txn([
        { type: 'delete', key: `${p}new` },
        { type: 'delete', key: `${p}never` },
      ]);
      assert.ok(rev2 > rev);
      assert.equal(await store.get(`${p}new`), undefined);
    });

    it('watches from a revision: replays history, then live events, with previous values', async () => {
      fresh();
      const r1 = await store.create(`${p}a`, b('1'));
      await store.update(`${p}a`, b('2'), r1);
      await store.create(`${p.slice(0, -1)}-sibling/z`, b('no'));
      const pending = takeEvents(store, p, r1, 4);
      const r3 = await store.create(`${p}b`, b('b'));
      const del = await store.delete(`${p}a`);
      const evs = await pending;
      assert.deepEqual(
        evs.map((e) => [e.type, e.key.slice(p.length), e.value.toString(), e.prevValue?.toString()]),
        [
          ['put', 'a', '1', undefined],
          ['put', 'a', '2', '1'],
          ['put', 'b', 'b', undefined],
          ['delete', 'a', '', '2'],
        ],
      );
      assert.equal(evs[2]?.modRevision, r3);
      assert.equal(evs[3]?.modRevision, del?.revision);
    });

    it('ends a watch when its signal aborts', async () => {
      fresh();
      const ac = new AbortController();
      const rev = await store.currentRevision();
      const seen: StoreEvent[] = [];
      const done = (async () => {
        for await (const ev of store.watch(p, rev + 1, ac.signal)) {
          seen.push(ev);
          ac.abort();
        }
      })();
      await store.create(`${p}a`, b('1'));
      await done;
      assert.equal(seen.length, 1);
    });

    it('reports compacted revisions as Expired', async () => {
      fresh();
      const r1 = await store.create(`${p}a`, b('1'));
      const r2 = await store.update(`${p}a`, b('2'), r1);
      const r3 = await store.update(`${p}a`, b('3'), r2);
      await store.compact(r3);
      const expired = (e: unknown): boolean =>
        e instanceof ApiError && e.reason === 'Expired' && /^too old resource version: \d+ \(\d+\)$/.test(e.message);
      await assert.rejects(takeEvents(store, p, r1, 1, 2_000), expired);
      await assert.rejects(store.list(p, { revision: r1 }), expired);
      const pending = takeEvents(store, p, r3 + 1, 1);
      await store.update(`${p}a`, b('4'), r3);
      const evs = await pending;
      assert.equal(evs[0]?.value.toString(), '4');
    });
  });
}
