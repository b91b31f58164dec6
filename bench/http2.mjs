#!/usr/bin/env node
// Benchmark: the REST API over HTTPS as kubectl and client-go speak it (HTTP/2: every request a
// stream of one connection) beside HTTP/1.1 (16 keep-alive connections, as node:https and older
// clients do). The real apiserver process with the lab's PKI and a real etcd on loopback
// (lib-loopback.mjs, `tls`). Each round: N ConfigMap creates, then N gets of them, at CONC in
// flight, over each protocol in turn (the order alternates by round); prints requests/s and the
// apiserver's CPU per request (/proc), the median of ROUNDS rounds. Asserts nothing.
// Usage: npx tsc -b && node bench/http2.mjs [N=2000] [CONC=16] [ROUNDS=5]; BENCH_API_PROF=dir profiles the apiserver.
import http2 from 'node:http2';
import https from 'node:https';
import { inFlight, procStats, startControlPlane } from './lib-loopback.mjs';

const N = Number(process.argv[2] ?? 2000);
const CONC = Number(process.argv[3] ?? 16);
const ROUNDS = Number(process.argv[4] ?? 5);
const PATH = '/api/v1/namespaces/default/configmaps';
const DATA = 'x'.repeat(1024);

const cp = await startControlPlane({ tls: true, prof: process.env.BENCH_API_PROF });
const auth = { authorization: `Bearer ${cp.token}` };

/** One exchange; rejects unless the status is `want`. */
function check(status, want, body, what) {
  if (status !== want) throw new Error(`${what}: ${status} ${body.slice(0, 300)}`);
}

function h1Client() {
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONC, ca: cp.caCert });
  const url = new URL(cp.base);
  const send = (method, path, body, want) =>
    new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: { ...auth, 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            try {
              check(res.statusCode, want, text, `${method} ${path}`);
              resolve();
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

function h2Client() {
  const session = http2.connect(cp.base, { ca: cp.caCert });
  const send = (method, path, body, want) =>
    new Promise((resolve, reject) => {
      const req = session.request({ ':method': method, ':path': path, 'content-type': 'application/json', ...auth });
      let status = 0;
      let text = '';
      req.setEncoding('utf8');
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        try {
          check(status, want, text, `${method} ${path}`);
          resolve();
        } catch (err) {
          reject(err);
        }
      });
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => session.close() };
}

/** { rate (requests/s), cpu (ms of the apiserver's CPU per request) } of n calls of fn at CONC in flight. */
async function measure(n, fn) {
  const c0 = procStats(cp.apiserver.pid).cpuSeconds;
  const t0 = performance.now();
  await inFlight(n, CONC, fn);
  const secs = (performance.now() - t0) / 1000;
  return { rate: n / secs, cpu: ((procStats(cp.apiserver.pid).cpuSeconds - c0) * 1000) / n };
}

const results = { 'HTTP/1.1': { creates: [], gets: [] }, 'HTTP/2': { creates: [], gets: [] } };
let seq = 0;
async function round(proto) {
  const c = proto === 'HTTP/2' ? h2Client() : h1Client();
  const prefix = `h${seq++}-`;
  const cm = (i) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${prefix}${i}` },
      data: { payload: DATA },
    });
  try {
    await inFlight(200, CONC, (i) => c.send('GET', '/api/v1/namespaces/default', undefined, 200)); // warm the connections
    results[proto].creates.push(await measure(N, (i) => c.send('POST', PATH, cm(i), 201)));
    results[proto].gets.push(await measure(N, (i) => c.send('GET', `${PATH}/${prefix}${i}`, undefined, 200)));
    const [cr, g] = [results[proto].creates.at(-1), results[proto].gets.at(-1)];
    console.log(
      `  … round ${Math.ceil(seq / 2)}/${ROUNDS} ${proto}: creates ${cr.rate.toFixed(0)}/s, gets ${g.rate.toFixed(0)}/s`,
    );
  } finally {
    c.close();
  }
}

try {
  for (let r = 0; r < ROUNDS; r++)
    for (const proto of r % 2 ? ['HTTP/2', 'HTTP/1.1'] : ['HTTP/1.1', 'HTTP/2']) await round(proto);
  const median = (xs, k) => xs.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `REST over HTTPS, ${N} requests each at ${CONC} in flight, median of ${ROUNDS} rounds (apiserver CPU per request):`,
  );
  for (const op of ['creates', 'gets']) {
    const [a, b] = ['HTTP/1.1', 'HTTP/2'].map((p) => results[p][op]);
    const fmt = (xs) => `${median(xs, 'rate').toFixed(0).padStart(6)}/s (${median(xs, 'cpu').toFixed(2)} ms CPU)`;
    console.log(
      `  ${op.padEnd(8)} HTTP/1.1 ${fmt(a)}   HTTP/2 ${fmt(b)}   ×${(median(b, 'rate') / median(a, 'rate')).toFixed(2)}`,
    );
  }
} finally {
  await cp.stop();
}
