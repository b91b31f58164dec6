#!/usr/bin/env node
// Benchmark: the apiserver's REST API beside its own etcd's floor. A real etcd and the real
// apiserver process on loopback (lib-loopback.mjs, plain HTTP); each operation runs N times at
// CONC in flight (default 2,000 at 16) against the API, then the same count, value size and
// concurrency straight to the same etcd (the etcd3 client) — the ratio is API/etcd:
//   creates  POST ConfigMaps (~1 KiB of data)          floor: etcd puts of the stored value's size
//   gets     GET one ConfigMap (resourceVersion "")    floor: etcd gets (linearizable)
//   gets rv=0  GET ?resourceVersion=0 (watch cache)    floor: etcd gets
//   lists    GET ?limit=100 pages                       floor: etcd range reads of 100 keys
//   updates  PUT with the object's resourceVersion      floor: etcd CAS txns (mod_revision) of that size
//   watch    one REST watch during the creates: deliveries/s, lag create-answered → event read
// with the CPU per operation of the apiserver (API) and of etcd (floor); then p50/p99 of creates and updates sent open-loop at 20 requests/s for 10 s.
// Goals (issue 17): creates >= 0.8x the etcd put rate, gets >= 1x the etcd get rate, p99 <= 10 ms
// at 20 mutating requests/s.
// After a warm-up of BENCH_WARMUP (500) creates, gets and updates of other names.
// Usage: npx tsc -b && node bench/api.mjs [N=2000] [CONC=16]; BENCH_API_PROF=dir profiles the apiserver.
import os from 'node:os';
import { Etcd3 } from 'etcd3';
import { inFlight, pct, procStats, sleep, startControlPlane, watchLines } from './lib-loopback.mjs';

const N = Number(process.argv[2] ?? 2000);
const CONC = Number(process.argv[3] ?? 16);
const WARM = Number(process.env.BENCH_WARMUP ?? 500);
const DATA = 'x'.repeat(1024);
const name = (i) => `cm-${String(i).padStart(5, '0')}`;
const cm = (i, v = 0) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: name(i), labels: { app: 'bench-api' } },
  data: { v: String(v), payload: DATA },
});

let cp;
/** Runs fn(i) N times at conc in flight: { rate, p50, p99 (ms), cpu (ms per op of the apiserver, or of etcd for a floor) }. */
async function measure(n, conc, fn, proc = 'apiserver') {
  const lat = [];
  const child = proc === 'etcd' ? cp.etcdProc : cp.apiserver;
  const c0 = procStats(child.pid).cpuSeconds;
  const t0 = performance.now();
  await inFlight(n, conc, async (i) => {
    const t = performance.now();
    await fn(i);
    lat.push(performance.now() - t);
  });
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    rate: n / secs,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    cpu: ((procStats(child.pid).cpuSeconds - c0) * 1000) / n,
  };
}

const fmt = (r) =>
  `${r.rate.toFixed(0).padStart(6)}/s (p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.cpu.toFixed(2)} ms CPU/op)`;
function line(what, api, floor, goal) {
  console.log(
    `  ${what.padEnd(11)} API ${fmt(api)}   etcd ${fmt(floor)}   ×${(api.rate / floor.rate).toFixed(2)}${goal ? ` (goal ${goal})` : ''}`,
  );
}

async function ok(p, want, what) {
  const r = await p;
  if (r.status !== want) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 300)}`);
  return r;
}

/** One REST watch on configmaps from rv: resolves the receipt time of each object's first event. */
function watch(cp, rv, seen) {
  return watchLines(cp, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, (line, now) => {
    const at = line.indexOf('"name":"cm-');
    if (at >= 0) seen.set(line.slice(at + 8, at + 16), now);
  });
}

cp = await startControlPlane({ prof: process.env.BENCH_API_PROF });
const etcd = new Etcd3({ hosts: cp.etcd });
try {
  const cpu0 = procStats(cp.apiserver.pid).cpuSeconds;
  console.log(
    `REST API against etcd on loopback: ${N} operations each at ${CONC} in flight (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`,
  );
  // Warm-up (JIT, connections) on other names: the figures are the steady state.
  const warm = (i) => ({ ...cm(i), metadata: { name: `warm-${i}` } });
  await inFlight(WARM, CONC, async (i) => {
    const c = JSON.parse(
      (await ok(cp.request('POST', '/api/v1/namespaces/default/configmaps', warm(i)), 201, 'warm-up create')).text,
    );
    await ok(cp.request('GET', `/api/v1/namespaces/default/configmaps/warm-${i}`), 200, 'warm-up get');
    await ok(
      cp.request('PUT', `/api/v1/namespaces/default/configmaps/warm-${i}`, { ...c, data: { v: '1' } }),
      200,
      'warm-up update',
    );
    await etcd.put(`/warm/${i}`).value(DATA);
    await etcd.get(`/warm/${i}`).buffer();
  });
  const rv = JSON.parse((await cp.request('GET', '/api/v1/namespaces/default/configmaps')).text).metadata
    .resourceVersion;
  const seen = new Map();
  const answered = new Map();
  const stopWatch = watch(cp, rv, seen);
  await sleep(200);
  const creates = await measure(N, CONC, async (i) => {
    await ok(cp.request('POST', '/api/v1/namespaces/default/configmaps', cm(i)), 201, `create ${name(i)}`);
    answered.set(name(i), performance.now());
  });
  const stored = await etcd.get(`/registry/configmaps/default/${name(0)}`).buffer();
  const value = Buffer.alloc(stored.length, 'x');
  line('creates', creates, await measure(N, CONC, (i) => etcd.put(`/bench/${i}`).value(value), 'etcd'), '>= 0.8');
  await sleep(500);
  stopWatch();
  const lags = [...answered]
    .filter(([k]) => seen.has(k))
    .map(([k, t]) => seen.get(k) - t)
    .sort((a, b) => a - b);
  const last = Math.max(...seen.values());
  const first = Math.min(...answered.values());
  console.log(
    `  watch       ${seen.size} of ${N} delivered to one REST watch, ${(seen.size / ((last - first) / 1000)).toFixed(0)}/s; lag create answered → event read: p50 ${pct(lags, 50).toFixed(1)} ms, p99 ${pct(lags, 99).toFixed(1)} ms`,
  );

  const etcdGets = await measure(N, CONC, (i) => etcd.get(`/bench/${i}`).buffer(), 'etcd');
  line(
    'gets',
    await measure(N, CONC, (i) =>
      ok(cp.request('GET', `/api/v1/namespaces/default/configmaps/${name(i)}`), 200, 'get'),
    ),
    etcdGets,
    '>= 1',
  );
  line(
    'gets rv=0',
    await measure(N, CONC, (i) =>
      ok(cp.request('GET', `/api/v1/namespaces/default/configmaps/${name(i)}?resourceVersion=0`), 200, 'get'),
    ),
    etcdGets,
    '>= 1',
  );
  const L = Math.max(1, Math.floor(N / 10));
  const listOne = () => ok(cp.request('GET', '/api/v1/namespaces/default/configmaps?limit=100'), 200, 'list');
  const etcdList = () => etcd.getAll().prefix('/bench/').limit(100).buffers();
  line('lists(100)', await measure(L, CONC, listOne), await measure(L, CONC, etcdList, 'etcd'));

  const objs = JSON.parse((await cp.request('GET', '/api/v1/namespaces/default/configmaps')).text).items;
  const byName = new Map(objs.map((o) => [o.metadata.name, o]));
  const updates = await measure(N, CONC, async (i) => {
    const o = byName.get(name(i));
    const r = await ok(
      cp.request('PUT', `/api/v1/namespaces/default/configmaps/${name(i)}`, { ...o, data: { ...o.data, v: '1' } }),
      200,
      `update ${name(i)}`,
    );
    byName.set(name(i), JSON.parse(r.text));
  });
  const revs = new Map();
  const etcdUpdates = await measure(
    N,
    CONC,
    async (i) => {
      const key = `/bench/${i}`;
      const mod = revs.get(key) ?? (await etcd.get(key).exec()).kvs[0].mod_revision;
      const res = await etcd.if(key, 'Mod', '==', mod).then(etcd.put(key).value(value)).commit();
      revs.set(key, res.header.revision);
    },
    'etcd',
  );
  line('updates', updates, etcdUpdates);

  // Open loop: 20 mutating requests/s (creates and updates alternating) for 10 s.
  const lat = [];
  const t0 = performance.now();
  const sends = [];
  for (let k = 0; k < 200; k++) {
    const due = t0 + k * 50;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const t = performance.now();
    const i = N + k;
    const p =
      k % 2 === 0
        ? ok(cp.request('POST', '/api/v1/namespaces/default/configmaps', cm(i)), 201, 'create')
        : ok(
            cp.request('PUT', `/api/v1/namespaces/default/configmaps/${name(k)}`, {
              ...byName.get(name(k)),
              data: { v: '2', payload: DATA },
            }),
            200,
            'update',
          );
    sends.push(p.then(() => lat.push(performance.now() - t)));
  }
  await Promise.all(sends);
  lat.sort((a, b) => a - b);
  console.log(
    `  20 mutating req/s for 10 s: p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, max ${lat[lat.length - 1].toFixed(1)} ms (goal p99 <= 10 ms)`,
  );
  console.log(
    `  apiserver CPU over the run: ${(procStats(cp.apiserver.pid).cpuSeconds - cpu0).toFixed(1)} s; RSS ${procStats(cp.apiserver.pid).rssMiB.toFixed(0)} MiB`,
  );
} finally {
  etcd.close();
  await cp.stop();
}
