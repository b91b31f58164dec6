/**
 * The watch-history check of issue 9 on a real apiserver and etcd: a steady load of ~100
 * writes/s on ConfigMaps (creates, updates, deletes), etcd restarted 10 times (every other time
 * after a compaction at the current revision), and client watches recording everything they see
 * (REST list+watch loops that reopen from the last resourceVersion after a drop — their requests
 * end every few seconds by timeoutSeconds — and relist on a 410). Then: 0 acknowledged writes
 * lost, 0 duplicates, per-key resourceVersions strictly increasing, the state each client built
 * equal to a final list. Seeded (KUBELAB_SEED, printed). Run:
 *   node --test apiserver/dist/rest/watch-history.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReport, historyOk, WatchHistory } from '@kubelab/client/watch-history';
import { objectKeyOf, runWatchLoop } from '@kubelab/client/watch-loop';
import { StoreCluster, type Json } from './testing/store-cluster.js';
import { WriteLoad } from './testing/write-load.js';

const RESTARTS = 10;
const NS = 'default';

describe('watch history across 10 etcd restarts under 100 writes/s', { timeout: 4 * 60_000 }, () => {
  // A short shared history (100 events), so the laggard below resumes from etcd, or gets a 410.
  const c = new StoreCluster({
    watchTimings: { attachTimeoutMs: 1_500, stallCheckMs: 1_500, retryMs: 200 },
    callTimeoutMs: 2_000,
    registry: { watchHistorySize: 50 },
  });
  const ac = new AbortController();
  before(() => c.start());
  after(async () => {
    ac.abort();
    await c.stop();
  });

  test('no lost acknowledged write, no gap, no duplicate, per-key order kept', async () => {
    const seed = Number(process.env['KUBELAB_SEED'] ?? Date.now() % 1_000_000);
    console.log(`  seed ${seed} (KUBELAB_SEED=${seed} to repeat)`);
    // Two prompt clients (namespace, all namespaces) and a laggard that waits 2.5 s before each reopen.
    const specs = [
      { path: `/api/v1/namespaces/${NS}/configmaps`, timeoutSeconds: 3, reopenDelayMs: undefined },
      { path: '/api/v1/configmaps', timeoutSeconds: 4, reopenDelayMs: undefined },
      { path: `/api/v1/namespaces/${NS}/configmaps`, timeoutSeconds: 2, reopenDelayMs: 2_500 },
    ];
    const watchers = specs.map(({ path, timeoutSeconds, reopenDelayMs }) => {
      const history = new WatchHistory();
      const recoveries = new Map<string, number>();
      const done = runWatchLoop({
        base: c.base,
        path,
        history,
        signal: ac.signal,
        timeoutSeconds,
        ...(reopenDelayMs ? { reopenDelayMs } : {}),
        onRecover: (what, why) => {
          const k = `${what}: ${why.replace(/\d+/g, 'N')}`;
          recoveries.set(k, (recoveries.get(k) ?? 0) + 1);
        },
      });
      return { path, history, recoveries, done };
    });
    const t0 = Date.now();
    while (!watchers.every((w) => w.history.resumeFrom > 0)) {
      assert.ok(Date.now() - t0 < 10_000, 'the watches listed');
      await new Promise((r) => setTimeout(r, 50));
    }

    const load = new WriteLoad({ base: c.base, namespace: NS, keys: 200, ratePerSecond: 100, seed, timeoutMs: 3_000 });
    const started = Date.now();
    load.start();
    for (let i = 0; i < RESTARTS; i++) {
      await new Promise((r) => setTimeout(r, 3_000));
      if (i % 2 === 0) await c.store.compact(await c.store.currentRevision()).catch(() => undefined);
      await c.etcd.stop();
      await new Promise((r) => setTimeout(r, 500));
      await c.etcd.start();
    }
    await new Promise((r) => setTimeout(r, 3_000));
    await load.stop();
    const seconds = (Date.now() - started) / 1000;
    const rate = (n: number): string => `${(n / seconds).toFixed(0)}/s`;
    console.log(
      `  ${load.attempts} writes started (${rate(load.attempts)}), ${load.acked.length} acknowledged (${rate(load.acked.length)}), ${load.failed} failed (etcd down) in ${seconds.toFixed(1)} s`,
    );
    assert.ok(load.acked.length >= 500, `the load ran: ${load.acked.length} acknowledged writes`);
    assert.ok(
      load.acked.some((w) => w.type === 'delete'),
      'deletes in the load',
    );

    const list = (await c.call('GET', `/api/v1/namespaces/${NS}/configmaps`)).json;
    const items = (list['items'] as Json[]).map((i) => ({
      key: objectKeyOf(i['metadata']),
      rv: Number(i['metadata']['resourceVersion']),
    }));
    const listRv = Number(list['metadata']['resourceVersion']);
    for (const w of watchers) {
      const t1 = Date.now();
      while (w.history.resumeFrom < listRv) {
        assert.ok(
          Date.now() - t1 < 15_000,
          `${w.path}: the watch caught up with the final list (at ${w.history.resumeFrom}, list at ${listRv})`,
        );
        await new Promise((r) => setTimeout(r, 50));
      }
      const want = w.path === '/api/v1/configmaps' ? items.concat(await otherNamespaces(c)) : items;
      const report = w.history.check(load.acked, want);
      console.log(
        `  ${w.path}: ${describeReport(report)}; recoveries: ${[...w.recoveries].map(([k, n]) => `${n}× ${k}`).join(' | ')}`,
      );
      assert.ok(historyOk(report), `${w.path}: ${describeReport(report)}`);
      if (w === watchers[2]) console.log(`  the laggard relisted after a 410 ${report.relists - 1} time(s)`);
      // Every restart cut the stream; each cut was resumed from its last resourceVersion or, when
      // that had gone (a laggard, a compaction), by a relist: either way it came back.
      const recovered = report.reopens + report.relists - 1;
      assert.ok(
        recovered >= RESTARTS,
        `${w.path}: the stream came back after each restart (${report.reopens} reopens, ${report.relists - 1} relists)`,
      );
    }
  });
});

/** ConfigMaps outside the load's namespace (bootstrap's), for the all-namespaces watch's final list. */
async function otherNamespaces(c: StoreCluster): Promise<{ key: string; rv: number }[]> {
  const all = (await c.call('GET', '/api/v1/configmaps')).json;
  return (all['items'] as Json[])
    .map((i) => ({ key: objectKeyOf(i['metadata']), rv: Number(i['metadata']['resourceVersion']) }))
    .filter((i) => !i.key.startsWith(`${NS}/`));
}
