import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { MemoryStore } from '../storage/memory.js';
import { WatchHub, type HubEvent, type HubItem } from './hub.js';

const decode = (raw: Buffer, rev: number): KubeObject => {
  const o = JSON.parse(raw.toString('utf8')) as KubeObject;
  o.metadata = { ...o.metadata, resourceVersion: String(rev) };
  return o;
};
const opts = { historySize: 10, bufferSize: 100, lingerMs: 60_000 };
const put = (store: MemoryStore, name: string): Promise<number> =>
  store.create(`/p/${name}`, Buffer.from(JSON.stringify({ metadata: { name } })));

async function firstItem(q: AsyncIterable<HubItem>): Promise<HubItem | 'none'> {
  const it = q[Symbol.asyncIterator]();
  const r = await Promise.race([it.next(), new Promise<'none'>((r) => setTimeout(() => r('none'), 2_000))]);
  return r === 'none' ? r : (r.value as HubItem);
}

async function first(q: AsyncIterable<HubItem>): Promise<HubEvent | undefined> {
  const item = await firstItem(q);
  if (item === 'none') throw new Error('no event');
  return typeof item === 'number' || item === null ? undefined : item;
}

const putPod = (store: MemoryStore, name: string, nodeName: string, rev?: number): Promise<number> => {
  const raw = Buffer.from(JSON.stringify({ metadata: { name }, spec: { nodeName } }));
  return rev === undefined ? store.create(`/p/${name}`, raw) : store.update(`/p/${name}`, raw, rev);
};

describe('WatchHub: the watch cache of one prefix', () => {
  it('fills its state from a list and keeps it current with the events', async () => {
    const store = new MemoryStore();
    await put(store, 'a');
    const hub = new WatchHub(store, '/p/', decode, opts);
    hub.ensure();
    assert.equal(await hub.whenSynced(1_000), true);
    assert.equal(hub.state.size, 1);
    const rev = await put(store, 'b');
    await store.delete('/p/a');
    for (let i = 0; i < 100 && hub.state.size !== 1; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(
      hub.state.select('/p/', () => true).map((c) => c.key),
      ['/p/b'],
    );
    assert.equal(hub.state.get('/p/b')?.rev, rev);
    hub.stop();
    assert.equal(hub.isSynced, false);
  });

  it('a watcher that comes while a revision-less start is still listing is served from memory, not by a storage watch of its own', async () => {
    const store = new MemoryStore();
    const rev = await put(store, 'a');
    const hub = new WatchHub(store, '/p/', decode, opts);
    hub.ensure(); // a cached read started it: its list has not answered yet
    const sub = hub.subscribe(rev + 1);
    assert.equal(hub.isSynced, false);
    const next = first(sub.queue);
    const b = await put(store, 'b');
    const ev = await next;
    assert.equal(ev?.key, '/p/b');
    assert.equal(ev?.rev, b);
    assert.equal(hub.subscribers, 1, 'attached to the shared watch');
    sub.close();
    hub.stop();
  });

  it('a watcher older than the history gets a storage watch of its own, with every event', async () => {
    const store = new MemoryStore();
    const start = await put(store, 'a');
    const hub = new WatchHub(store, '/p/', decode, opts);
    const live = hub.subscribe(start + 1);
    for (let i = 0; i < 25; i++) await put(store, `k${i}`);
    for (let i = 0; i < 200 && !hub.isSynced; i++) await new Promise((r) => setTimeout(r, 5));
    const old = hub.subscribe(start);
    assert.equal((await first(old.queue))?.key, '/p/a', 'from the store, not the (trimmed) history');
    assert.equal(hub.subscribers, 1, 'only the live one is on the shared watch');
    old.close();
    live.close();
    hub.stop();
  });

  it('queues an event only to the watchers of the trigger values it had before and after, and to those without one', async () => {
    const store = new MemoryStore();
    const start = await put(store, 'seed');
    const hub = new WatchHub(store, '/p/', decode, opts);
    const n1 = hub.subscribe(start + 1, { path: 'spec.nodeName', value: 'n1' });
    const n2 = hub.subscribe(start + 1, { path: 'spec.nodeName', value: 'n2' });
    const all = hub.subscribe(start + 1);
    const created = await putPod(store, 'p', 'n1');
    assert.equal((await first(n1.queue))?.rev, created);
    assert.equal((await first(all.queue))?.rev, created);
    assert.equal(n2.queue.size, 0, 'not queued to another node');
    const moved = await putPod(store, 'p', 'n2', created);
    assert.equal((await first(n1.queue))?.rev, moved, 'the node it left hears of it');
    assert.equal((await first(n2.queue))?.rev, moved, 'and the one it came to');
    await store.delete('/p/p');
    assert.equal((await first(n2.queue))?.type, 'delete');
    for (const s of [n1, n2, all]) s.close();
    hub.stop();
  });

  it("an event's previous state is the cache's object with the event's resourceVersion, not parsed again", async () => {
    const store = new MemoryStore();
    const start = await put(store, 'seed');
    let parses = 0;
    const counting = (raw: Buffer, rev: number): KubeObject => {
      parses++;
      return decode(raw, rev);
    };
    const hub = new WatchHub(store, '/p/', counting, opts);
    hub.ensure();
    assert.equal(await hub.whenSynced(1_000), true);
    const sub = hub.subscribe(start + 1);
    const created = await putPod(store, 'p', 'n1');
    assert.equal((await first(sub.queue))?.rev, created);
    const before = parses;
    const moved = await putPod(store, 'p', 'n2', created);
    const upd = await first(sub.queue);
    assert.equal(parses - before, 1, 'only the new state is parsed');
    assert.equal(upd?.rev, moved);
    assert.deepEqual(upd?.prev, { metadata: { name: 'p', resourceVersion: String(moved) }, spec: { nodeName: 'n1' } });
    assert.equal(hub.state.get('/p/p')?.obj.metadata.resourceVersion, String(moved), 'the cache keeps its own');
    const gone = await store.delete('/p/p');
    const del = await first(sub.queue);
    assert.equal(del?.type, 'delete');
    assert.deepEqual(del?.prev, {
      metadata: { name: 'p', resourceVersion: String(gone?.revision) },
      spec: { nodeName: 'n2' },
    });
    assert.equal(parses - before, 1, 'the deleted state is not parsed either');
    sub.close();
    hub.stop();
  });

  it("a bookmark tick of an attached watcher carries the state's revision, which its own events may lag", async () => {
    const store = new MemoryStore();
    const start = await put(store, 'seed');
    const hub = new WatchHub(store, '/p/', decode, opts);
    hub.ensure();
    assert.equal(await hub.whenSynced(1_000), true);
    const quiet = hub.subscribe(start + 1, { path: 'spec.nodeName', value: 'elsewhere' });
    const rev = await putPod(store, 'p', 'n1');
    for (let i = 0; i < 100 && hub.state.rev < rev; i++) await new Promise((r) => setTimeout(r, 5));
    quiet.bookmark();
    assert.equal(await firstItem(quiet.queue), rev);
    quiet.close();
    hub.stop();
  });
});
