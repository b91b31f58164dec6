// Shared by the loopback benchmarks (scheduler, api): a real etcd (/usr/bin/etcd, throw-away data
// dir) and the real apiserver as its own process (apiserver/dist/main.js; plain HTTP and gRPC on
// loopback, no PKI; with `tls`, the lab's PKI and HTTPS), a keep-alive HTTP client, /proc CPU and
// memory of a child, percentiles.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms).unref());

export const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

export async function until(what, ok, ms) {
  const t0 = Date.now();
  while (!(await ok().catch(() => false))) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** utime+stime in seconds, RSS and peak RSS of a child process, from /proc. */
export function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return {
    cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100,
    rssMiB: kb('VmRSS') / 1024,
    hwmMiB: kb('VmHWM') / 1024,
  };
}

/** The p-th percentile of an ascending array. */
export const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Runs `n` jobs `fn(i)` with `conc` in flight; resolves when all are done. */
export async function inFlight(n, conc, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, conc) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/**
 * Starts etcd and the apiserver; returns { base (REST URL), grpc ("127.0.0.1:port"), etcd (URL),
 * etcdProc and apiserver (children), request(method, path, body), spawnChild(args, env), stop() }.
 * `prof` (a directory) runs the apiserver with --cpu-prof. `tls`: the apiserver serves the lab's
 * PKI (made as `./kubelab up` makes it), REST over HTTPS; the result also has { caCert, token }.
 */
export async function startControlPlane({ prof, tls = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-bench-'));
  const children = [];
  let pki;
  if (tls) {
    const { ensureClusterPki } = await import('@kubelab/client/component-pki');
    pki = (await ensureClusterPki(join(dir, 'pki'), '10.96.0.0/12')).material;
  }
  const agent = tls
    ? new https.Agent({ keepAlive: true, maxSockets: Infinity, ca: pki.caCert })
    : new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const [client, peer, rest, grpc] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const etcdUrl = `http://127.0.0.1:${client}`;
  const etcdArgs = [
    '--name=bench',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-cluster=bench=http://127.0.0.1:${peer}`,
  ];
  const etcdProc = spawn('/usr/bin/etcd', etcdArgs, { stdio: 'ignore' });
  children.push(etcdProc);
  const profArgs = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  const apiserver = spawn(process.execPath, [...profArgs, join(root, 'apiserver/dist/main.js')], {
    env: {
      ...process.env,
      KUBELAB_ETCD: etcdUrl,
      KUBELAB_REST_PORT: String(rest),
      KUBELAB_GRPC_PORT: String(grpc),
      LOG_LEVEL: 'warn',
      KUBELAB_PKI_GENERATE_DIR: join(dir, 'pki'),
      ...(tls ? { KUBELAB_PKI_DIR: join(dir, 'pki') } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(apiserver);
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${rest}`;
  const auth = tls ? { Authorization: `Bearer ${pki.token}` } : {};
  const request = (method, path, body) =>
    new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = (tls ? https : http).request(
        `${base}${path}`,
        { method, agent, headers: { ...auth, ...(text ? { 'Content-Type': 'application/json' } : {}) } },
        (res) => {
          let out = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (out += c));
          res.on('end', () => resolve({ status: res.statusCode, text: out }));
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  const spawnChild = (args, env, stdio = ['ignore', 'pipe', 'inherit']) => {
    const c = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio });
    children.push(c);
    return c;
  };
  const stop = async () => {
    agent.destroy();
    for (const c of children.reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until('the apiserver to be ready', async () => (await request('GET', '/readyz')).status === 200, 60_000);
    await until(
      'namespace default',
      async () => (await request('GET', '/api/v1/namespaces/default')).status === 200,
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    base,
    grpc: `127.0.0.1:${grpc}`,
    etcd: etcdUrl,
    etcdProc,
    apiserver,
    agent,
    request,
    spawnChild,
    stop,
    ...(pki ? { caCert: pki.caCert, token: pki.token } : {}),
  };
}

/**
 * A REST watch (`path` with `watch=true`) on the control plane: onLine(line, receivedAt) for each
 * JSON line, receivedAt being when its chunk arrived; onOpen() once its response has begun.
 * Returns a function that closes it.
 */
export function watchLines(cp, path, onLine, onOpen = () => {}) {
  const req = http.get(`${cp.base}${path}`, { agent: cp.agent }, (res) => {
    onOpen();
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk) => {
      const now = performance.now();
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        onLine(line, now);
      }
    });
  });
  req.on('error', () => {});
  return () => req.destroy();
}
