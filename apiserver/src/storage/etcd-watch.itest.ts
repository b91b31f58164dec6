/**
 * Integration test of the watch layer on a real etcd (etcd-watch.ts): the outage that once stopped
 * every watch until the apiserver was restarted. A watch whose next revision gets compacted while
 * etcd is down is re-created by the etcd3 client "created and cancelled", which used to leave the
 * watches queued behind it unattached forever. Now the compacted one ends with 410 Expired and the
 * others resume, with no gap and no duplicate. Run: node --test apiserver/dist/storage/etcd-watch.itest.js
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { EtcdStore } from './etcd.js';
import type { StoreEvent } from './store.js';
import { TestEtcd } from './testing/etcd-server.js';

const etcd = new TestEtcd();
before(() => etcd.start());
after(async () => {
  await etcd.stop();
  etcd.cleanup();
});

/** Collects a watch's events; `ended` settles with the error that ended it (or undefined). */
function record(
  store: EtcdStore,
  prefix: string,
  from: number,
  signal: AbortSignal,
): { events: StoreEvent[]; ended: Promise<unknown> } {
  const events: StoreEvent[] = [];
  const ended = (async () => {
    try {
      for await (const ev of store.watch(prefix, from, signal)) events.push(ev);
      return undefined;
    } catch (err) {
      return err;
    }
  })();
  return { events, ended };
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function retry<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i > 150) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('etcd watches across a restart after a compaction', () => {
  it('end the compacted watch with Expired and resume the others without a gap, a duplicate or silence', async () => {
    const store = new EtcdStore({
      endpoints: [etcd.endpoint],
      callTimeoutMs: 2_000,
      watchTimings: { attachTimeoutMs: 1_500, stallCheckMs: 1_500, retryMs: 200 },
    });
    const ac = new AbortController();
    try {
      const start = await store.create('/old/a', Buffer.from('1'));
      // The first watch (first in the client's attach order) only ever sees revision `start`.
      const old = record(store, '/old/', start, ac.signal);
      const live = record(store, '/live/', start, ac.signal);
      await until('the old watch to deliver', () => old.events.length === 1, 10_000);
      const written: number[] = [];
      for (let i = 0; i < 20; i++) written.push(await store.create(`/live/k${i}`, Buffer.from(String(i))));
      await until('the live watch to deliver', () => live.events.length === 20, 10_000);
      await store.compact(await store.currentRevision());
      await etcd.stop();
      await etcd.start();
      for (let i = 20; i < 40; i++)
        written.push(await retry(() => store.create(`/live/k${i}`, Buffer.from(String(i)))));
      await until(
        'the live watch to deliver the writes made after the restart',
        () => live.events.length === 40,
        30_000,
      );
      assert.deepEqual(
        live.events.map((e) => e.modRevision),
        written,
        'every acknowledged write, once, in order',
      );
      const err = await Promise.race([old.ended, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
      assert.ok(
        err instanceof ApiError && err.reason === 'Expired',
        `the compacted watch ends with Expired, got ${String(err)}`,
      );
      assert.match((err as ApiError).message, /^too old resource version: \d+ \(\d+\)$/);
      assert.equal(store.watchHealth(), undefined, 'healthy again');
      console.log(
        `  watch client replaced ${store.watchClientResets} time(s) (the etcd3 client's attach queue stuck behind the cancelled watcher)`,
      );
    } finally {
      ac.abort();
      await store.close();
    }
  });

  it('leaves a healthy watch of a quiet prefix that holds keys alone (no false stall)', async () => {
    const store = new EtcdStore({
      endpoints: [etcd.endpoint],
      callTimeoutMs: 2_000,
      watchTimings: { attachTimeoutMs: 1_000, stallCheckMs: 1_000, retryMs: 200 },
    });
    const ac = new AbortController();
    try {
      await store.create('/still/a', Buffer.from('1'));
      const w = record(store, '/still/', (await store.currentRevision()) + 1, ac.signal);
      await store.create('/elsewhere/x', Buffer.from('1'));
      await new Promise((r) => setTimeout(r, 4_000)); // four stall windows of silence under /still/
      assert.equal(store.watchClientResets, 0, 'a quiet watch is not a stuck one');
      assert.equal(w.events.length, 0);
    } finally {
      ac.abort();
      await store.close();
    }
  });

  it('notices a watch whose stream is silent while etcd answers, and resumes it', async () => {
    const store = new EtcdStore({
      endpoints: [etcd.endpoint],
      callTimeoutMs: 2_000,
      watchTimings: { attachTimeoutMs: 1_000, stallCheckMs: 1_000, retryMs: 200 },
    });
    const ac = new AbortController();
    try {
      const from = (await store.currentRevision()) + 1;
      const w = record(store, '/quiet/', from, ac.signal);
      const first = await store.create('/quiet/a', Buffer.from('1'));
      await until('the first event', () => w.events.length === 1, 10_000);
      // Silence the stream the way a stuck client does: etcd answers, its watchers hear nothing.
      const client = (store as unknown as { watchClient: { watchManager: { handleResponse(res: unknown): void } } })
        .watchClient;
      client.watchManager.handleResponse = () => undefined;
      const second = await store.create('/quiet/b', Buffer.from('2'));
      await until('the event written after the stream went silent', () => w.events.length === 2, 15_000);
      assert.deepEqual(
        w.events.map((e) => e.modRevision),
        [first, second],
      );
      assert.ok(store.watchClientResets >= 1, 'the watch client was replaced');
    } finally {
      ac.abort();
      await store.close();
    }
  });
});

/**
 * Makes the store's watch stream run `delayMs` behind, as a burst does (events queued on the
 * stream, attach answers behind them), while etcd answers unary calls at once: every answer the
 * watch client's stream brings is handed to it that much later, in order, on every client the
 * store replaces it with. Returns its stopper.
 */
function lagWatchStream(store: EtcdStore, delayMs: number): () => void {
  type Manager = Record<'handleResponse' | 'handleCreatedResponse', (res: unknown) => void>;
  const patched = new WeakSet<object>();
  let last = 0;
  const patch = (): void => {
    const manager = (store as unknown as { watchClient: { watchManager: Manager } }).watchClient.watchManager;
    if (patched.has(manager)) return;
    patched.add(manager);
    for (const name of ['handleResponse', 'handleCreatedResponse'] as const) {
      const original = manager[name].bind(manager);
      manager[name] = (res) => {
        const at = Math.max(Date.now() + delayMs, last);
        last = at;
        setTimeout(() => original(res), at - Date.now());
      };
    }
  };
  patch();
  const timer = setInterval(patch, 5);
  return () => clearInterval(timer);
}

describe('etcd watches on a stream that runs behind', () => {
  it('are not replaced again and again, and deliver every event once, in order', async () => {
    const store = new EtcdStore({
      endpoints: [etcd.endpoint],
      callTimeoutMs: 2_000,
      watchTimings: { attachTimeoutMs: 1_000, stallCheckMs: 1_000, retryMs: 200 },
    });
    const ac = new AbortController();
    const stopLag = lagWatchStream(store, 1_500);
    try {
      const from = (await store.currentRevision()) + 1;
      const a = record(store, '/behind-a/', from, ac.signal);
      const b = record(store, '/behind-b/', from, ac.signal);
      const written: number[][] = [[], []];
      for (let i = 0; i < 60; i++) {
        written[i % 2]!.push(await store.create(`/behind-${i % 2 ? 'b' : 'a'}/${i}`, Buffer.from(String(i))));
        await new Promise((r) => setTimeout(r, 100));
      }
      await until('every event', () => a.events.length >= 30 && b.events.length >= 30, 30_000);
      assert.deepEqual(
        a.events.map((e) => e.modRevision),
        written[0],
      );
      assert.deepEqual(
        b.events.map((e) => e.modRevision),
        written[1],
      );
      // The first attach takes 1.5 s against a 1 s window (one replacement); the doubled window then holds.
      assert.ok(store.watchClientResets <= 1, `watch client replaced ${store.watchClientResets} times`);
      console.log(
        `  1.5 s behind: watch client replaced ${store.watchClientResets} time(s) in ${60 * 0.1} s of writes`,
      );
    } finally {
      ac.abort();
      stopLag();
      await store.close();
    }
  });
});
