#!/usr/bin/env node
// Benchmark (issue 17, memory): every component's memory in a real lab, idle and with a 100-replica
// Deployment Running, and the apiserver's growth per 1,000 objects. Goals: the control plane
// without etcd ≤ 250 MB idle and ≤ 400 MB with 100 pods. Prints numbers only.
//  idle: IDLE_SECONDS [30] after `up` (from no containers and no volumes);
//  pods: a Deployment of PODS [100] replicas of kubelab/busybox (`sleep`, offline image) all Running,
//   then SETTLE_SECONDS [30];
//  objects: OBJECTS [3000] ConfigMaps of 1 KiB each (random hex, so no two share a string), created
//   8 at a time with the pods still Running; the apiserver measured before and after each 1,000.
// Memory per container (bench/lab-measure.mjs memoryUsage): private = smaps_rollup Private_Clean +
// Private_Dirty of its processes (what it alone holds: without the node binary's and libraries'
// pages that every component maps), RSS (VmRSS, counts those shared pages in each process), the
// cgroup's usage − inactive file (docker stats's figure). V8's heap per Node component (heap used
// and total, external/ArrayBuffer memory, after two forced GCs) comes from its inspector: SIGUSR1
// opens it on the container's own loopback and a script run in the container (docker exec, the
// image's ws) asks it over the DevTools protocol; the inspector is closed again afterwards.
// All sizes in MiB (2^20 bytes); the goals' totals also in MB (10^6). The load average is printed
// with each phase: the machine is shared. BENCH_HEAP_SNAPSHOT=<dir> also writes, at the end (pods and
// objects still there), a heap snapshot of each component (Chrome DevTools' format), and what the
// apiserver's watch cache holds per resource in it (bench/lib-heapsnapshot.mjs).
// Runs on a lab of its own (e2e slot 6 unless KUBELAB_E2E_SLOT says otherwise), removed at the end.
// Usage: npx tsc -b && node bench/memory.mjs   (KUBELAB_IMAGE_TAG=<tag> for this checkout's images)
process.env.KUBELAB_E2E_SLOT ??= '6';
const { execFileSync } = await import('node:child_process');
const { randomBytes } = await import('node:crypto');
const { mkdirSync } = await import('node:fs');
const os = await import('node:os');
const { join, resolve } = await import('node:path');
const { labDown } = await import('@kubelab/cli/lab');
const { E2E_ENV } = await import('../tests/dist/lib/lab.js');
const { startLab, sleep, until } = await import('./lib-lab.mjs');
const { memoryUsage } = await import('./lab-measure.mjs');
const { watchCacheShare } = await import('./lib-heapsnapshot.mjs');

const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 30);
const SETTLE_SECONDS = Number(process.env.SETTLE_SECONDS ?? 30);
const PODS = Number(process.env.PODS ?? 100);
const OBJECTS = Number(process.env.OBJECTS ?? 3000);
const SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOT ? resolve(process.env.BENCH_HEAP_SNAPSHOT) : undefined;
const project = E2E_ENV.KUBELAB_PROJECT;
const MiB = 1048576;
const mib = (b) => (b / MiB).toFixed(1).padStart(7);
const mb = (b) => (b / 1e6).toFixed(0);
const load = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (${os.cpus().length} cores)`;
const log = (l) => console.log(l);
const t0 = performance.now();
const progress = (l) => console.log(`  … ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${l}`);

// Run in the component's container: two GCs, then process.memoryUsage() and V8's heap statistics as
// one JSON line; with a path, a heap snapshot written there.
const INSPECT = `
import WebSocket from '/app/node_modules/ws/wrapper.mjs';
import { createWriteStream } from 'node:fs';
const snapshot = process.argv[1];
let targets;
for (let i = 0; !targets; i++) {
  try { targets = await (await fetch('http://127.0.0.1:9229/json/list')).json(); }
  catch (err) { if (i > 50) throw err; await new Promise((r) => setTimeout(r, 100)); }
}
const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { maxPayload: 1 << 30 });
await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
const pending = new Map();
let out;
ws.on('message', (data) => {
  const m = JSON.parse(data);
  if (m.id) pending.get(m.id)(m);
  else if (m.method === 'HeapProfiler.addHeapSnapshotChunk') out.write(m.params.chunk);
});
let n = 0;
const send = (method, params = {}) => new Promise((r) => { pending.set(++n, r); ws.send(JSON.stringify({ id: n, method, params })); });
await send('HeapProfiler.collectGarbage');
await send('HeapProfiler.collectGarbage');
const expr = 'JSON.stringify({ ...process.memoryUsage(), v8: process.getBuiltinModule("v8").getHeapStatistics() })';
const r = await send('Runtime.evaluate', { expression: expr, returnByValue: true });
if (snapshot) {
  out = createWriteStream(snapshot);
  await send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await new Promise((r) => out.end(r));
}
console.log(r.result.result.value);
ws.send(JSON.stringify({ id: ++n, method: 'Runtime.evaluate', params: { expression: 'process._debugEnd()' } }));
setTimeout(() => process.exit(0), 200);
`;

/** V8's figures of one component's node process (after GC), and optionally its heap snapshot copied to `file`. */
function heapOf(u, file) {
  const main = u.pids.at(-1); // docker-init first, then the node process it started
  process.kill(main, 'SIGUSR1');
  const inContainer = file ? `/tmp/${u.name}.heapsnapshot` : '';
  const out = execFileSync('docker', ['exec', u.id, 'node', '--input-type=module', '-e', INSPECT, inContainer], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (file) {
    execFileSync('docker', ['cp', `${u.id}:${inContainer}`, file]);
    execFileSync('docker', ['exec', u.id, 'rm', '-f', inContainer]);
  }
  return JSON.parse(out.trim().split('\n').at(-1));
}

const isNode = (u) => !/^etcd/.test(u.name);
const sum = (list, k) => list.reduce((a, u) => a + u[k], 0);

/** Memory of every component now; V8's heap of the Node ones (read after the /proc figures). */
function measure(snapshotTag) {
  const usage = memoryUsage(project);
  for (const u of usage.filter(isNode)) {
    const file = snapshotTag && SNAPSHOTS ? join(SNAPSHOTS, `${snapshotTag}-${u.name}.heapsnapshot`) : undefined;
    u.heap = heapOf(u, file);
  }
  const after = memoryUsage(project);
  for (const u of usage) u.privateGc = after.find((x) => x.name === u.name)?.private ?? 0;
  return usage;
}

function printTable(title, usage, base) {
  log(`${title} — ${load()}`);
  log(
    `  ${'component'.padEnd(22)} ${'private'.padStart(7)} ${'aft.GC'.padStart(7)} ${'RSS'.padStart(7)} ${'cgroup'.padStart(7)} | ${'heap'.padStart(7)} ${'of tot.'.padStart(7)} ${'extern'.padStart(7)}${base ? ` | ${'Δprivate'.padStart(8)}` : ''}`,
  );
  for (const u of usage) {
    const h = u.heap;
    const b = base?.find((x) => x.name === u.name);
    log(
      `  ${u.name.padEnd(22)} ${mib(u.private)} ${mib(u.privateGc)} ${mib(u.rss)} ${mib(u.cgroup)} | ${h ? `${mib(h.heapUsed)} ${mib(h.heapTotal)} ${mib(h.external)}` : ' '.repeat(23)}${b ? ` | ${mib(u.private - b.private).padStart(8)}` : ''}`,
    );
  }
  const cp = usage.filter(isNode);
  const bcp = base?.filter(isNode);
  log(
    `  ${'total without etcd'.padEnd(22)} ${mib(sum(cp, 'private'))} ${mib(sum(cp, 'privateGc'))} ${mib(sum(cp, 'rss'))} ${mib(sum(cp, 'cgroup'))} | ${mib(cp.reduce((a, u) => a + u.heap.heapUsed, 0))}${' '.repeat(16)}${bcp ? ` | ${mib(sum(cp, 'private') - sum(bcp, 'private')).padStart(8)}` : ''}`,
  );
  log(
    `  total without etcd: private ${mb(sum(cp, 'private'))} MB, docker stats ${mb(sum(cp, 'cgroup'))} MB, RSS ${mb(sum(cp, 'rss'))} MB`,
  );
}

async function inFlight(n, width, f) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await f(next++);
    }),
  );
}

log(`memory bench: lab ${project}, ${load()}`);
if (SNAPSHOTS) mkdirSync(SNAPSHOTS, { recursive: true });
await labDown({ project, env: E2E_ENV, volumes: true, log: () => {} });
progress('up (2 nodes)');
const lab = await startLab();
try {
  progress(`up; idle for ${IDLE_SECONDS} s`);
  await sleep(IDLE_SECONDS * 1000);
  const idle = measure();
  printTable(`idle, ${IDLE_SECONDS} s after up (MiB)`, idle);

  const labels = { app: 'bench-memory' };
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench-memory' },
    spec: {
      replicas: PODS,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'sleep', image: 'kubelab/busybox', command: ['sleep', '86400'] }],
        },
      },
    },
  };
  const created = await lab.call('POST', '/apis/apps/v1/namespaces/default/deployments', JSON.stringify(dep));
  if (created.status !== 201) throw new Error(`Deployment: HTTP ${created.status}: ${created.text.slice(0, 200)}`);
  progress(`Deployment of ${PODS} created; waiting for its pods to run`);
  let last = 0;
  await until(
    `${PODS} pods Running`,
    async () => {
      const pods = (await lab.call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dbench-memory')).json()
        .items;
      const runningPods = pods.filter((p) => p.status?.phase === 'Running').length;
      if (performance.now() - last > 15_000) {
        last = performance.now();
        progress(`${pods.length} pods, ${runningPods} Running — ${load()}`);
      }
      return runningPods >= PODS;
    },
    1_800_000,
    2000,
  );
  progress(`${PODS} pods Running; settling ${SETTLE_SECONDS} s`);
  await sleep(SETTLE_SECONDS * 1000);
  const pods = measure();
  printTable(`${PODS} pods Running (MiB; Δ against idle)`, pods, idle);
  for (const u of pods.filter((u) => /^kubelet/.test(u.name))) {
    const b = idle.find((x) => x.name === u.name);
    log(
      `  ${u.name}: ${(((u.private - b.private) / (PODS / 2)) * (1024 / MiB)).toFixed(0)} KiB private per pod (≈${PODS / 2} pods per node)`,
    );
  }

  // The apiserver per 1,000 objects.
  const apiserverNow = () => memoryUsage(project).find((x) => /^apiserver_/.test(x.name));
  const apiserver = () => {
    const u = apiserverNow();
    const heap = heapOf(u);
    return { ...u, heap, privateGc: apiserverNow().private };
  };
  log(`apiserver with ConfigMaps of 1 KiB (MiB; heap after GC) — ${load()}`);
  log(
    `  ${'objects'.padStart(7)} ${'private'.padStart(7)} ${'aft.GC'.padStart(7)} ${'RSS'.padStart(7)} ${'heap'.padStart(7)} ${'of tot.'.padStart(7)} ${'extern'.padStart(7)} ${'arrbuf'.padStart(7)}`,
  );
  const row = (n, a) =>
    log(
      `  ${String(n).padStart(7)} ${mib(a.private)} ${mib(a.privateGc)} ${mib(a.rss)} ${mib(a.heap.heapUsed)} ${mib(a.heap.heapTotal)} ${mib(a.heap.external)} ${mib(a.heap.arrayBuffers)}`,
    );
  const steps = [apiserver()];
  row(0, steps[0]);
  const cm = (i) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `bench-memory-${String(i).padStart(5, '0')}`, labels: { bench: 'memory' } },
      data: { payload: randomBytes(512).toString('hex') },
    });
  for (let done = 0; done < OBJECTS; ) {
    const n = Math.min(1000, OBJECTS - done);
    const from = done;
    await inFlight(n, 8, async (i) => {
      const r = await lab.call('POST', '/api/v1/namespaces/default/configmaps', cm(from + i));
      if (r.status !== 201) throw new Error(`ConfigMap: HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    });
    done += n;
    await sleep(5000); // watchers (kubelets, controller-manager) have seen them
    steps.push(apiserver());
    row(done, steps.at(-1));
  }
  const first = steps[0];
  const end = steps.at(-1);
  const per = (k) => mib(((k(end) - k(first)) / OBJECTS) * 1000).trim();
  log(
    `  per 1,000 ConfigMaps of 1 KiB: private ${per((a) => a.private)} MiB (after GC ${per((a) => a.privateGc)}), RSS ${per((a) => a.rss)} MiB, V8 heap used ${per((a) => a.heap.heapUsed)} MiB, external ${per((a) => a.heap.external)} MiB (ArrayBuffers ${per((a) => a.heap.arrayBuffers)} MiB: the raw encodings)`,
  );
  if (SNAPSHOTS) {
    measure('end'); // last: a snapshot's own allocations stay in the process's malloc heap
    log(`heap snapshots of every component (pods and objects still there) in ${SNAPSHOTS}`);
    log(
      "the apiserver's watch cache in its snapshot (MiB reachable; history counts objects it shares with the state):",
    );
    for (const h of watchCacheShare(join(SNAPSHOTS, 'end-apiserver_1.heapsnapshot')).filter(
      (h) => h.state + h.history > MiB / 10,
    ))
      log(`  ${h.prefix.padEnd(44)} state ${mib(h.state)}  history ${mib(h.history)}`);
  }
} finally {
  progress('down');
  await lab.down();
  await labDown({ project, env: E2E_ENV, volumes: true, log: () => {} });
}
