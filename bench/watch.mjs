#!/usr/bin/env node
// Benchmark: watch fan-out. A real etcd (/usr/bin/etcd, loopback, throw-away data dir) and the real
// apiserver as its own process (apiserver/dist/main.js, plain HTTP on loopback); W concurrent REST
// watches on pods in `default` (REST: what kubectl and client-go use; each from the list's
// resourceVersion, as an informer) while P pods are created (no scheduler or kubelet: they stay
// Pending), C creates in flight. Prints deliveries/s (every watcher gets every pod: W × P
// deliveries, from the first create to the last delivery), the delivery lag (from the create's
// response to a watcher's receipt of that pod's event; p50/p99/max), and the apiserver's CPU time
// and RSS (from /proc). Goals (issue 9): ≥ 100,000 deliveries/s, lag p99 ≤ 50 ms.
// Usage: npx tsc -b && node bench/watch.mjs [watchers=1000] [pods=1000] [concurrency=20]
//        BENCH_CPU_PROF=dir  also writes the apiserver's CPU profile (node --cpu-prof) into dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const W = Number(process.argv[2] ?? 1000);
const P = Number(process.argv[3] ?? 1000);
const C = Number(process.argv[4] ?? 20);
const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'kubelab-bench-watch-'));
const children = [];

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request(base, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      { method, agent, headers: body ? { 'Content-Type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function until(what, ok, ms) {
  const t0 = Date.now();
  while (!(await ok().catch(() => false))) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime (fields 14, 15)
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

const NAME = '"name":"bench-';
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const [client, peer, rest, grpc] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const etcd = spawn(
    '/usr/bin/etcd',
    [
      '--name=bench',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${client}`,
      `--advertise-client-urls=http://127.0.0.1:${client}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=bench=http://127.0.0.1:${peer}`,
    ],
    { stdio: 'ignore' },
  );
  children.push(etcd);
  const prof = process.env.BENCH_CPU_PROF;
  const apiserver = spawn(
    process.execPath,
    [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), join(root, 'apiserver/dist/main.js')],
    {
      env: {
        ...process.env,
        KUBELAB_ETCD: `http://127.0.0.1:${client}`,
        KUBELAB_REST_PORT: String(rest),
        KUBELAB_GRPC_PORT: String(grpc),
        LOG_LEVEL: 'warn',
        KUBELAB_PKI_GENERATE_DIR: join(dir, 'pki'),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  children.push(apiserver);
  const base = `http://127.0.0.1:${rest}`;
  await until('the apiserver to be ready', async () => (await request(base, 'GET', '/readyz')).status === 200, 60_000);
  await until(
    'namespace default',
    async () => (await request(base, 'GET', '/api/v1/namespaces/default')).status === 200,
    30_000,
  );

  const list = JSON.parse((await request(base, 'GET', '/api/v1/namespaces/default/pods')).text);
  const rv = list.metadata.resourceVersion;
  const created = new Map(); // name -> time of the create's response
  const lags = [];
  let deliveries = 0;
  let lastDelivery = 0;
  let opened = 0;
  const done = new Promise((resolve) => {
    for (let w = 0; w < W; w++) {
      const req = http.get(
        `${base}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
        { agent },
        (res) => {
          opened++;
          res.setEncoding('utf8');
          let buf = '';
          res.on('data', (chunk) => {
            const now = performance.now();
            buf += chunk;
            let nl;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              // The name is all a watcher needs here: no full parse on the client side (its CPU
              // shares the machine with the apiserver's).
              if (!line.startsWith('{"type":"ADDED"')) continue;
              const at = line.indexOf(NAME);
              if (at < 0) continue;
              deliveries++;
              lastDelivery = now;
              const t = created.get(line.slice(at + 8, at + 8 + 11));
              if (t !== undefined) lags.push(now - t);
              if (deliveries === W * P) resolve();
            }
          });
        },
      );
      req.on('error', (err) => console.error(`watch ${w}: ${err.message}`));
    }
  });
  await until(`${W} watches to open`, async () => opened === W, 60_000);
  await sleep(500);

  const before = procStats(apiserver.pid);
  const clientBefore = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const pod = (name) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'kubelab/busybox', command: ['sleep', '3600'] }] },
  });
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < P) {
        const name = `bench-${String(next++).padStart(5, '0')}`;
        const r = await request(base, 'POST', '/api/v1/namespaces/default/pods', pod(name));
        if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
        created.set(name, performance.now());
      }
    }),
  );
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
}

try {
  await main();
} finally {
  agent.destroy();
  for (const c of children.reverse()) {
    c.kill('SIGTERM');
    await new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r)));
  }
  rmSync(dir, { recursive: true, force: true });
}
