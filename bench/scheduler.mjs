#!/usr/bin/env node
// Benchmark: the real scheduler (scheduler/dist/main.js, its own process) against the real
// apiserver + etcd on loopback (lib-loopback.mjs). Hollow nodes as in upstream's scheduler_perf:
// Node objects that are Ready with room for 110 pods (no kubelet behind them, nothing starts the
// pods). The pods are created directly (no controller) before the scheduler starts; the clock runs
// from the scheduler's "caches synced; scheduling" (every pod Pending) to the last bind seen on a
// REST watch. Prints pods/s, the per-pod pending→bound time (from that start) and the scheduler's
// own per-pod attempt time (queue pop → decision and bind sent) from its log, its CPU and RSS.
// Checks that every pod is bound once and no node holds more than it has room for.
// Goals (issue 17): >= 1,000 pods/s at 1,000 nodes; >= 700 pods/s for 5,000 pods on 1,000 nodes.
// Usage: npx tsc -b && node bench/scheduler.mjs [pods:nodes ...]   (default 1000:100 5000:1000)
//        BENCH_CPU_PROF=dir  writes the scheduler's CPU profile (node --cpu-prof) into dir; BENCH_API_PROF=dir the apiserver's.
import os from 'node:os';
import { join } from 'node:path';
import { inFlight, pct, procStats, root, sleep, startControlPlane, watchLines } from './lib-loopback.mjs';

const cases = (process.argv.length > 2 ? process.argv.slice(2) : ['1000:100', '5000:1000']).map((s) =>
  s.split(':').map(Number),
);
const CONC = 16;

const node = (name) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubelab.io/hollow': 'true' } },
  status: {
    capacity: { cpu: '32', memory: '128Gi', pods: '110' },
    allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'hollow',
        lastHeartbeatTime: new Date().toISOString(),
        lastTransitionTime: new Date().toISOString(),
      },
    ],
  },
});
const pod = (name) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'bench-scheduler' } },
  spec: {
    containers: [{ name: 'c', image: 'kubelab/busybox', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
  },
});

async function createAll(cp, n, path, make) {
  await inFlight(n, CONC, async (i) => {
    const r = await cp.request('POST', path, make(i));
    if (r.status !== 201) throw new Error(`POST ${path} #${i}: ${r.status} ${r.text.slice(0, 300)}`);
  });
}

/** Follows pods on a REST watch from `rv`; calls onBound(name, node, now) once per pod. */
function watchBinds(cp, rv, onBound) {
  const seen = new Set();
  return watchLines(cp, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`, (line, now) => {
    const ev = JSON.parse(line);
    const name = ev.object?.metadata?.name;
    const at = ev.object?.spec?.nodeName;
    if (ev.type !== 'MODIFIED' || !at || seen.has(name)) return;
    seen.add(name);
    onBound(name, at, now);
  });
}

async function run(pods, nodes) {
  const prof = process.env.BENCH_CPU_PROF;
  const cp = await startControlPlane({ prof: process.env.BENCH_API_PROF });
  try {
    const t0 = performance.now();
    await createAll(cp, nodes, '/api/v1/nodes', (i) => node(`hollow-${String(i).padStart(4, '0')}`));
    const check = JSON.parse((await cp.request('GET', '/api/v1/nodes?limit=1')).text).items[0];
    if (check?.status?.conditions?.[0]?.status !== 'True') {
      // The create dropped the status (as upstream's strategy may): write it.
      await inFlight(nodes, CONC, async (i) => {
        const name = `hollow-${String(i).padStart(4, '0')}`;
        const cur = JSON.parse((await cp.request('GET', `/api/v1/nodes/${name}`)).text);
        const r = await cp.request('PUT', `/api/v1/nodes/${name}/status`, { ...cur, status: node(name).status });
        if (r.status !== 200) throw new Error(`PUT node ${name} status: ${r.status} ${r.text.slice(0, 300)}`);
      });
    }
    await createAll(cp, pods, '/api/v1/namespaces/default/pods', (i) => pod(`p-${String(i).padStart(5, '0')}`));
    const setupSecs = (performance.now() - t0) / 1000;
    const rv = JSON.parse((await cp.request('GET', '/api/v1/namespaces/default/pods?limit=1')).text).metadata
      .resourceVersion;

    const bound = new Map(); // pod -> [node, time]
    let allBound;
    const done = new Promise((r) => (allBound = r));
    const stopWatch = watchBinds(cp, rv, (name, at, now) => {
      bound.set(name, [at, now]);
      if (bound.size === pods) allBound();
    });
    const attempts = [];
    const bindTimes = [];
    const others = [];
    let started;
    const synced = new Promise((r) => (started = r));
    const cpuBefore = [procStats(cp.apiserver.pid).cpuSeconds, procStats(cp.etcdProc.pid).cpuSeconds];
    const tSpawn = performance.now();
    const sched = cp.spawnChild(
      [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), join(root, 'scheduler/dist/main.js')],
      {
        KUBELAB_APISERVER: cp.grpc,
        KUBELAB_API_INSECURE: '1',
        KUBELAB_LEADER_ELECT: 'false',
        LOG_LEVEL: 'info',
      },
    );
    let out = '';
    sched.stdout.setEncoding('utf8');
    sched.stdout.on('data', (chunk) => {
      out += chunk;
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.includes('caches synced')) started(performance.now());
        else if (line.includes('"msg":"bound"')) {
          const { attemptMs, bindMs } = JSON.parse(line);
          if (typeof attemptMs === 'number') attempts.push(attemptMs);
          if (typeof bindMs === 'number') bindTimes.push(bindMs);
        } else if (others.length < 5 && !line.includes('"level":30')) others.push(line);
        else if (/"msg":"(unschedulable|bind refused|reconcile failed)/.test(line) && others.length < 5)
          others.push(line);
      }
    });
    const tStart = await synced;
    await Promise.race([
      done,
      sleep(300_000).then(() => Promise.reject(new Error(`${bound.size} of ${pods} pods bound in 300 s`))),
    ]);
    await sleep(300); // the scheduler logs a bind after its answer, which may come after the watch event
    const tEnd = Math.max(...[...bound.values()].map(([, t]) => t));
    const stats = procStats(sched.pid);
    const apiCpu = procStats(cp.apiserver.pid).cpuSeconds - cpuBefore[0];
    const etcdCpu = procStats(cp.etcdProc.pid).cpuSeconds - cpuBefore[1];
    stopWatch();
    const secs = (tEnd - tStart) / 1000;
    const lat = [...bound.values()].map(([, t]) => t - tStart).sort((a, b) => a - b);
    attempts.sort((a, b) => a - b);
    bindTimes.sort((a, b) => a - b);
    const perNode = new Map();
    for (const [at] of bound.values()) perNode.set(at, (perNode.get(at) ?? 0) + 1);
    const counts = [...perNode.values()];
    if (Math.max(...counts) > 110) throw new Error(`a node holds ${Math.max(...counts)} pods (room for 110)`);
    console.log(
      `${pods} pods on ${nodes} hollow nodes (set-up ${setupSecs.toFixed(1)} s; scheduler synced ${((tStart - tSpawn) / 1000).toFixed(2)} s after its start)`,
    );
    console.log(
      `  first Pending → last bound: ${secs.toFixed(2)} s = ${(pods / secs).toFixed(0)} pods/s (goal ${nodes >= 1000 ? (pods >= 5000 ? '>= 700' : '>= 1000') : '—'})`,
    );
    console.log(
      `  pending → bound per pod:   p50 ${(lat[Math.floor(lat.length / 2)] / 1000).toFixed(2)} s, p99 ${(pct(lat, 99) / 1000).toFixed(2)} s`,
    );
    if (attempts.length)
      console.log(
        `  scheduling attempt (log):  p50 ${pct(attempts, 50).toFixed(2)} ms, p99 ${pct(attempts, 99).toFixed(2)} ms (n=${attempts.length}); bind RPC p50 ${pct(bindTimes, 50).toFixed(1)} ms, p99 ${pct(bindTimes, 99).toFixed(1)} ms`,
      );
    for (const l of others) console.log(`  scheduler log: ${l.slice(0, 300)}`);
    console.log(
      `  spread: ${perNode.size} nodes used, ${Math.min(...counts)}–${Math.max(...counts)} pods each; scheduler RSS ${stats.rssMiB.toFixed(0)} MiB`,
    );
    const per = (s) => `${s.toFixed(2)} s (${((s / pods) * 1000).toFixed(2)} ms/pod)`;
    console.log(
      `  CPU from the scheduler's start: scheduler ${per(stats.cpuSeconds)}, apiserver ${per(apiCpu)}, etcd ${per(etcdCpu)}; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
    );
    // The Scheduled events are written after the binds they report (a queue of their own, as
    // upstream's broadcaster): when the last is in, and the CPU with them.
    const scheduledEvents = async () =>
      JSON.parse((await cp.request('GET', '/api/v1/namespaces/default/events')).text).items.filter(
        (e) => e.reason === 'Scheduled',
      ).length;
    let written = await scheduledEvents();
    for (const deadline = performance.now() + 30_000; written < pods && performance.now() < deadline; ) {
      await sleep(250);
      written = await scheduledEvents();
    }
    const tEvents = performance.now();
    const withEvents = [
      procStats(sched.pid).cpuSeconds,
      procStats(cp.apiserver.pid).cpuSeconds - cpuBefore[0],
      procStats(cp.etcdProc.pid).cpuSeconds - cpuBefore[1],
    ];
    console.log(
      `  Scheduled events: ${written} of ${pods} written, all in by ${((tEvents - tEnd) / 1000).toFixed(2)} s after the last bind (±0.25 s); CPU with them: scheduler ${per(withEvents[0])}, apiserver ${per(withEvents[1])}, etcd ${per(withEvents[2])}`,
    );
  } finally {
    await cp.stop();
  }
}

for (const [pods, nodes] of cases) await run(pods, nodes);
