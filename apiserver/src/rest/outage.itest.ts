/**
 * Regression test of the outage in issue 9, against a real apiserver (StoreRegistry, REST, gRPC)
 * on a real etcd started with a small --max-request-bytes (256 KiB), so that etcd itself refuses
 * objects the apiserver lets through: an object over etcd's limit, then etcd restarted after a
 * compaction, then `kubectl run` (the real kubectl). Client watches opened before the fault (REST
 * list+watch loops, as client-go's reflector runs them) must keep receiving events or get a 410
 * and relist: the new pod reaches them within seconds, and their histories are complete (no lost
 * acknowledged write, no duplicate, nothing out of order, the final list equal to what they built).
 * Run: node --test apiserver/dist/rest/outage.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReport, historyOk, WatchHistory, type AckedWrite } from '@kubelab/client/watch-history';
import { objectKeyOf, runWatchLoop } from '@kubelab/client/watch-loop';
import { findKubectl } from './testing/harness.js';
import { StoreCluster, type Json, type Reply } from './testing/store-cluster.js';

const PODS = '/api/v1/namespaces/default/pods';
const CMS = '/api/v1/namespaces/default/configmaps';
const ETCD_MAX_REQUEST = 256 * 1024;

interface Watched {
  history: WatchHistory;
  recoveries: string[];
  done: Promise<void>;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - t0;
}

describe('the outage of issue 9 on a real apiserver and etcd', () => {
  const c = new StoreCluster({
    etcdArgs: [`--max-request-bytes=${ETCD_MAX_REQUEST}`],
    watchTimings: { attachTimeoutMs: 1_500, stallCheckMs: 1_500, retryMs: 200 },
    callTimeoutMs: 2_000,
  });
  const ac = new AbortController();
  const acked = { pods: [] as AckedWrite[], cms: [] as AckedWrite[] };
  before(() => c.start());
  after(async () => {
    ac.abort();
    await c.stop();
  });

  const watch = (path: string): Watched => {
    const history = new WatchHistory();
    const recoveries: string[] = [];
    const done = runWatchLoop({
      base: c.base,
      path,
      history,
      signal: ac.signal,
      onRecover: (what, why) => recoveries.push(`${what}: ${why}`),
    });
    return { history, recoveries, done };
  };
  const create = async (path: string, obj: Json, into: AckedWrite[]): Promise<Reply> => {
    const r = await c.call('POST', path, obj);
    if (r.status === 201)
      into.push({
        key: objectKeyOf(r.json['metadata']),
        rv: Number(r.json['metadata']['resourceVersion']),
        type: 'put',
      });
    return r;
  };
  const cm = (name: string, size = 10): Json => ({ metadata: { name }, data: { v: 'x'.repeat(size) } });
  const pod = (name: string): Json => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

  test('an object over etcd’s limit, etcd restarted after a compaction, kubectl run: the watches opened before see the pod', async () => {
    const pods = watch(PODS);
    const cms = watch(CMS);
    await until('both watches to list', () => pods.history.resumeFrom > 0 && cms.history.resumeFrom > 0, 10_000);
    assert.equal((await create(PODS, pod('p0'), acked.pods)).status, 201);
    await until('the pod watch to deliver p0', () => pods.history.has('default/p0'), 10_000);

    // 1. Objects over etcd's limit that the apiserver's own check (1.5 MiB) lets through: etcd
    // refuses the request (over --max-request-bytes), or gRPC refuses the message (over the limit
    // plus gRPC's overhead), and the apiserver's etcd connection goes through the failure path.
    for (const size of [ETCD_MAX_REQUEST + 50_000, 1_000_000]) {
      const r = await create(CMS, cm(`big-${size}`, size), acked.cms);
      assert.equal(
        r.status,
        413,
        `a ${size}-byte ConfigMap over etcd's limit is the object's fault, not an outage: ${r.text}`,
      );
      assert.equal(r.json['reason'], 'RequestEntityTooLarge', r.text);
      assert.match(
        String(r.json['message']),
        /^Request entity too large: configmaps "big-\d+" is over etcd's request size limit \(--max-request-bytes; etcd said: /,
      );
    }
    // The issue's 2.5 MB object: over the apiserver's own limit, refused before etcd is asked.
    const huge = await create(
      PODS,
      { ...pod('huge'), spec: { containers: [{ name: 'c', image: 'busybox', args: ['x'.repeat(2_500_000)] }] } },
      acked.pods,
    );
    assert.equal(huge.status, 413, huge.text);
    assert.equal((await create(CMS, cm('after-big'), acked.cms)).status, 201);
    await until(
      'the ConfigMap watch to deliver after the refused writes',
      () => cms.history.has('default/after-big'),
      10_000,
    );
    assert.equal((await c.call('GET', '/readyz')).status, 200, 'ready after the refused writes');

    // 2. The pod watch's last revision falls behind (ConfigMap writes), is compacted, etcd restarts.
    for (let i = 0; i < 30; i++) assert.equal((await create(CMS, cm(`fill-${i}`), acked.cms)).status, 201);
    await c.store.compact(await c.store.currentRevision());
    await c.etcd.stop();
    await c.etcd.start();

    // 3. kubectl run right after: it lands (retried while the apiserver answers 503), and both
    // watches opened before the fault see what is written now.
    const kubectl = findKubectl('kubectl');
    assert.ok(kubectl, 'kubectl on PATH');
    let run = { code: -1, stdout: '', stderr: '' };
    await until(
      'kubectl run to succeed',
      async () => (run = await c.kubectl(kubectl, ['run', 'p1', '--image=busybox', '--restart=Never'])).code === 0,
      30_000,
    );
    assert.match(run.stdout, /pod\/p1 created/);
    const p1 = (await c.call('GET', `${PODS}/p1`)).json;
    acked.pods.push({ key: 'default/p1', rv: Number(p1['metadata']['resourceVersion']), type: 'put' });
    const lag = await until(
      'the pod watch opened before the fault to see p1',
      () => pods.history.has('default/p1'),
      10_000,
    );
    assert.equal((await create(CMS, cm('after-restart'), acked.cms)).status, 201);
    await until(
      'the ConfigMap watch opened before the fault to see after-restart',
      () => cms.history.has('default/after-restart'),
      10_000,
    );
    await until('/readyz ok', async () => (await c.call('GET', '/readyz')).status === 200, 15_000);
    console.log(
      `  p1 seen ${lag} ms after kubectl run; pod watch: ${pods.recoveries.join(' | ') || 'no recovery'}; ConfigMap watch: ${cms.recoveries.join(' | ') || 'no recovery'}`,
    );

    for (const [name, w, path, writes] of [
      ['pods', pods, PODS, acked.pods],
      ['configmaps', cms, CMS, acked.cms],
    ] as const) {
      const list = (await c.call('GET', path)).json;
      const items = (list['items'] as Json[]).map((i) => ({
        key: objectKeyOf(i['metadata']),
        rv: Number(i['metadata']['resourceVersion']),
      }));
      const report = w.history.check(writes, items);
      console.log(`  ${name}: ${describeReport(report)}`);
      assert.ok(historyOk(report), `${name}: ${describeReport(report)}`);
    }
  });
});
