/**
 * Integration test of the watch cache (registry/hub.ts, cache-read.ts) on a real apiserver and
 * etcd: resourceVersion "0" lists and gets answer from memory (they still answer while etcd is
 * stopped; consistent reads do not), and watch-list (sendInitialEvents) as the real kubectl's
 * client-go runs it with its WatchListClient feature on: the initial state, the bookmark that
 * ends it, then the changes. Run: node --test apiserver/dist/rest/watchcache.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findKubectl, kubectlEnv } from './testing/harness.js';
import { StoreCluster, type Json } from './testing/store-cluster.js';
import { execFile } from 'node:child_process';

const CMS = '/api/v1/namespaces/default/configmaps';

/** Reads a watch's first events (one JSON object per line) until `n` arrived. */
/** The first n events of a watch; `after` runs once `afterEvents` of them have arrived (the state is served by then). */
async function watchEvents(
  base: string,
  path: string,
  n: number,
  afterEvents: number,
  after: () => Promise<void>,
): Promise<Json[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 10_000);
  try {
    const res = await fetch(`${base}${path}`, { signal: ac.signal });
    assert.equal(res.status, 200, await (res.status === 200 ? Promise.resolve('') : res.text()));
    let ran = false;
    const reader = res.body!.getReader();
    let buf = '';
    const out: Json[] = [];
    while (out.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        out.push(JSON.parse(buf.slice(0, nl)) as Json);
        buf = buf.slice(nl + 1);
      }
      if (!ran && out.length >= afterEvents) {
        ran = true;
        await after();
      }
    }
    return out;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

function run(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { env, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the watch cache on a real apiserver and etcd', () => {
  const c = new StoreCluster();
  before(() => c.start());
  after(() => c.stop());

  test('watch-list over REST: ADDED for the state, the initial-events-end BOOKMARK, then changes; upstream’s 422s', async () => {
    for (const name of ['a', 'b'])
      assert.equal((await c.call('POST', CMS, { metadata: { name }, data: { k: name } })).status, 201);
    const q = 'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';
    // c is made once the initial events and their end have arrived: a change, not part of the state.
    const evs = await watchEvents(c.base, `${CMS}?${q}`, 4, 3, async () => {
      assert.equal((await c.call('POST', CMS, { metadata: { name: 'c' } })).status, 201);
    });
    assert.deepEqual(
      evs.map((e) => `${e['type']} ${e['object']['metadata']['name'] ?? ''}`),
      ['ADDED a', 'ADDED b', 'BOOKMARK ', 'ADDED c'],
    );
    assert.deepEqual(evs[2]!['object']['metadata']['annotations'], { 'k8s.io/initial-events-end': 'true' });
    assert.equal(evs[2]!['object']['kind'], 'ConfigMap');
    const bad = await c.call('GET', `${CMS}?watch=true&sendInitialEvents=true`);
    assert.equal(bad.status, 422, bad.text);
    assert.equal(
      bad.json['message'],
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    );
  });

  test('the real kubectl with client-go’s WatchListClient: kubectl wait runs its informer on watch-list', async (t) => {
    for (const version of ['kubectl', 'kubectl.1.33']) {
      const bin = findKubectl(version);
      if (!bin) {
        t.diagnostic(`${version} not installed`);
        continue;
      }
      const env = { ...kubectlEnv(c.dir), KUBE_FEATURE_WatchListClient: 'true' };
      const r = await run(bin, ['wait', '--for=jsonpath={.data.k}=b', 'cm/b', '--timeout=15s', '-v=6'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /configmap\/b condition met/);
      assert.match(r.stderr, /sendInitialEvents=true/, `${version} used watch-list`);
      assert.match(
        r.stderr,
        /bookmark that marks the end of initial events/i,
        `${version} saw the end of the initial events`,
      );
    }
  });

  test('resourceVersion "0" lists and gets are served from memory: they answer while etcd is stopped, consistent reads answer 503', async () => {
    assert.equal((await c.call('GET', `${CMS}?resourceVersion=0`)).status, 200, 'warm the cache');
    const created = await c.call('POST', CMS, { metadata: { name: 'cached' } });
    const rv = String(created.json['metadata']['resourceVersion']);
    // The cache has reached the write: a list not older than it is served from memory.
    const fresh = await c.call('GET', `${CMS}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`);
    assert.equal(fresh.status, 200, fresh.text);
    assert.ok((fresh.json['items'] as Json[]).some((i) => i['metadata']['name'] === 'cached'));
    await c.etcd.stop();
    try {
      const list = await c.call('GET', `${CMS}?resourceVersion=0`);
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(
        (list.json['items'] as Json[]).map((i) => i['metadata']['name']),
        ['a', 'b', 'c', 'cached'],
      );
      assert.ok(Number(list.json['metadata']['resourceVersion']) >= Number(rv));
      const get = await c.call('GET', `${CMS}/cached?resourceVersion=0`);
      assert.equal(get.status, 200, get.text);
      assert.equal(get.json['metadata']['resourceVersion'], rv);
      assert.equal((await c.call('GET', `${CMS}/nope?resourceVersion=0`)).status, 404);
      const consistent = await c.call('GET', CMS);
      assert.equal(consistent.status, 503, consistent.text);
    } finally {
      await c.etcd.start();
    }
  });
});
