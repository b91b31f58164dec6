#!/usr/bin/env node
// Benchmark: watch fan-out. A real etcd and the real apiserver on loopback (lib-loopback.mjs); W concurrent REST
// watches on pods in `default` (REST: what kubectl and client-go use; each from the list's
// resourceVersion, as an informer) while P pods are created (no scheduler or kubelet: they stay
// Pending), C creates in flight. Prints deliveries/s (every watcher gets every pod: W × P
// deliveries, from the first create to the last delivery), the delivery lag (from the create's
// response to a watcher's receipt of that pod's event; p50/p99/max), and the apiserver's CPU time
// and RSS (from /proc). Goals (issue 9): ≥ 100,000 deliveries/s, lag p99 ≤ 50 ms.
// Usage: npx tsc -b && node bench/watch.mjs [watchers=1000] [pods=1000] [concurrency=20]
//        BENCH_CPU_PROF=dir  also writes the apiserver's CPU profile (node --cpu-prof) into dir.
import { inFlight, pct, procStats, sleep, startControlPlane, until, watchLines } from './lib-loopback.mjs';

const W = Number(process.argv[2] ?? 1000);
const P = Number(process.argv[3] ?? 1000);
const C = Number(process.argv[4] ?? 20);
const NAME = '"name":"bench-';

const cp = await startControlPlane({ prof: process.env.BENCH_CPU_PROF });
try {
  const { apiserver, request } = cp;
  const list = JSON.parse((await request('GET', '/api/v1/namespaces/default/pods')).text);
  const rv = list.metadata.resourceVersion;
  const created = new Map(); // name -> time of the create's response
  const lags = [];
  let deliveries = 0;
  let lastDelivery = 0;
  let opened = 0;
  let allDelivered;
  const done = new Promise((resolve) => (allDelivered = resolve));
  const path = `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`;
  for (let w = 0; w < W; w++)
    watchLines(
      cp,
      path,
      (line, now) => {
        // The name is all a watcher needs here: no full parse on the client side (its CPU shares
        // the machine with the apiserver's).
        if (!line.startsWith('{"type":"ADDED"')) return;
        const at = line.indexOf(NAME);
        if (at < 0) return;
        deliveries++;
        lastDelivery = now;
        const t = created.get(line.slice(at + 8, at + 8 + 11));
        if (t !== undefined) lags.push(now - t);
        if (deliveries === W * P) allDelivered();
      },
      () => opened++,
    );
  await until(`${W} watches to open`, async () => opened === W, 60_000);
  await sleep(500);

  const before = procStats(apiserver.pid);
  const clientBefore = process.cpuUsage();
  const t0 = performance.now();
  const pod = (name) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'kubelab/busybox', command: ['sleep', '3600'] }] },
  });
  await inFlight(P, C, async (i) => {
    const name = `bench-${String(i).padStart(5, '0')}`;
    const r = await request('POST', '/api/v1/namespaces/default/pods', pod(name));
    if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
    created.set(name, performance.now());
  });
  const createdIn = (performance.now() - t0) / 1000;
  await Promise.race([done, sleep(120_000)]);
  const after = procStats(apiserver.pid);
  const clientCpu = process.cpuUsage(clientBefore);
  const seconds = (lastDelivery - t0) / 1000;
  lags.sort((a, b) => a - b);
  const cpu = after.cpuSeconds - before.cpuSeconds;
  console.log(
    `watch fan-out: ${W} REST watchers on pods, ${P} pods created (${C} in flight) against a real apiserver + etcd on loopback`,
  );
  console.log(`  creates:          ${P} in ${createdIn.toFixed(2)} s (${(P / createdIn).toFixed(0)}/s)`);
  console.log(
    `  deliveries:       ${deliveries} of ${W * P} in ${seconds.toFixed(2)} s = ${(deliveries / seconds).toFixed(0)}/s (goal >= 100000/s)`,
  );
  console.log(
    `  delivery lag:     p50 ${pct(lags, 50).toFixed(1)} ms, p99 ${pct(lags, 99).toFixed(1)} ms, max ${lags[lags.length - 1].toFixed(1)} ms (goal p99 <= 50 ms)`,
  );
  console.log(
    `  apiserver CPU:    ${cpu.toFixed(2)} s over the run (${((100 * cpu) / seconds).toFixed(0)}% of one core)`,
  );
  console.log(
    `  apiserver CPU per delivery: ${((cpu / deliveries) * 1e6).toFixed(1)} us; this client (watchers + creates): ${((clientCpu.user + clientCpu.system) / 1e6).toFixed(2)} s CPU`,
  );
  console.log(
    `  apiserver memory: RSS ${after.rssMiB.toFixed(0)} MiB at the end, peak ${after.hwmMiB.toFixed(0)} MiB (${before.rssMiB.toFixed(0)} MiB with the watches open, before the creates)`,
  );
} finally {
  await cp.stop();
}
