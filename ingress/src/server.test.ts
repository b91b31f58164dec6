/** The ingress server on loopback against the real kubelab/echo server (images/echo/server.js). */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import pino from 'pino';
import type { EndpointSlice, Service } from '@kubelab/api';
import { CertStore, fakeCertificate, type Secret } from './certs.js';
import { buildTable, type Ingress } from './routes.js';
import { IngressServer } from './server.js';

const log = pino({ level: 'silent' });
const echoJs = new URL('../../images/echo/server.js', import.meta.url).pathname;
let echo: ChildProcess;
let echoPort = 0;
let server: IngressServer;
let httpPort = 0;
let httpsPort = 0;
const secrets = new Map<string, Secret>();
const slices = new Map<string, EndpointSlice[]>();

const svc = (name: string): Service => ({
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ name: 'http', port: 80 }] },
});
const services = new Map([
  ['default/web', svc('web')],
  ['default/empty', svc('empty')],
]);
const ingress: Ingress = {
  metadata: { name: 'i', namespace: 'default' },
  spec: {
    tls: [{ hosts: ['secure.example'], secretName: 'secure-tls' }],
    rules: [
      {
        host: 'a.example',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            { path: '/empty', pathType: 'Prefix', backend: { service: { name: 'empty', port: { name: 'http' } } } },
          ],
        },
      },
      {
        host: 'secure.example',
        http: {
          paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }],
        },
      },
    ],
  },
};

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

before(async () => {
  echoPort = await freePort();
  echo = spawn(process.execPath, [echoJs], {
    env: { ...process.env, PORT: String(echoPort), POD_NAME: 'echo-1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((r) => echo.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && r()));
  slices.set('default/web', [
    {
      metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: echoPort, protocol: 'TCP' }],
    },
  ]);
  const pem = await fakeCertificate(new Date(), 'secure.example');
  secrets.set('default/secure-tls', {
    metadata: { name: 'secure-tls', namespace: 'default', resourceVersion: '1' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(pem.cert).toString('base64'), 'tls.key': Buffer.from(pem.key).toString('base64') },
  });
  [httpPort, httpsPort] = [await freePort(), await freePort()];
  const table = buildTable([ingress]);
  server = new IngressServer({
    table: () => table,
    lookup: { service: (k) => services.get(k), slices: (k) => slices.get(k) ?? [] },
    certs: new CertStore((k) => secrets.get(k)),
    fallback: await fakeCertificate(),
    log,
    publicHttpPort: httpPort,
    publicHttpsPort: httpsPort,
  });
  await server.listen('127.0.0.1', httpPort, httpsPort);
});

after(() => {
  server?.close();
  echo?.kill();
});

function get(
  host: string,
  path: string,
  agent?: http.Agent,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: httpPort, path, headers: { host }, agent }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

test('routes to the endpoint; 404 and 503 as ingress-nginx answers them', async () => {
  const ok = await get('a.example', '/hello');
  assert.equal(ok.status, 200);
  assert.match(ok.body, /^hello from echo-1/);
  const nf = await get('nobody.example', '/');
  assert.equal(nf.status, 404);
  assert.match(nf.body, /<title>404 Not Found<\/title>[\s\S]*<center>nginx<\/center>/);
  const na = await get('a.example', '/empty');
  assert.equal(na.status, 503);
  assert.match(na.body, /503 Service Temporarily Unavailable/);
});

test('keep-alive: many requests over one client connection', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<net.Socket>();
  agent.on('free', (s: net.Socket) => sockets.add(s));
  for (let i = 0; i < 5; i++) assert.equal((await get('a.example', '/', agent)).status, 200);
  assert.equal(sockets.size, 1);
  agent.destroy();
});

test("a host under spec.tls: HTTP redirects (308), HTTPS serves the Secret's certificate by SNI", async () => {
  const r = await get('secure.example', '/x');
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, `https://secure.example:${httpsPort}/x`);
  const cn = await new Promise<string>((resolve, reject) => {
    const s = tls.connect(
      { host: '127.0.0.1', port: httpsPort, servername: 'secure.example', rejectUnauthorized: false },
      () => {
        const c = s.getPeerCertificate().subject.CN;
        s.write(`GET / HTTP/1.1\r\nhost: secure.example\r\nconnection: close\r\n\r\n`);
        let body = '';
        s.on('data', (d: Buffer) => (body += d.toString()));
        s.on('end', () => (body.includes('hello from echo-1') ? resolve(String(c)) : reject(new Error(body))));
      },
    );
    s.on('error', reject);
  });
  assert.equal(cn, 'secure.example');
  const other = await new Promise<string>((resolve, reject) => {
    const s = tls.connect(
      { host: '127.0.0.1', port: httpsPort, servername: 'unknown.example', rejectUnauthorized: false },
      () => {
        resolve(String(s.getPeerCertificate().subject.CN));
        s.end();
      },
    );
    s.on('error', reject);
  });
  assert.equal(other, 'Kubernetes Ingress Controller Fake Certificate');
});

test('a WebSocket upgrade is passed through both ways', async () => {
  const s = net.connect({ host: '127.0.0.1', port: httpPort });
  s.write(
    'GET /ws HTTP/1.1\r\nHost: a.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const mask = Buffer.from([1, 2, 3, 4]);
  const text = Buffer.from('ping through ingress');
  const payload = Buffer.from(text.map((b, i) => b ^ mask[i % 4]!));
  let buf = Buffer.alloc(0);
  const got = await new Promise<string>((resolve, reject) => {
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString();
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
      const rest = buf.subarray(end + 4);
      if (rest.length === 0) return s.write(Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask, payload]));
      if (rest.length >= 2 + text.length) resolve(rest.subarray(2, 2 + text.length).toString());
    });
  });
  assert.equal(got, 'ping through ingress');
  s.destroy();
});
