/**
 * Forwarding on loopback: real sockets, 127.0.0.1 only. The proxier runs with a fake address
 * manager and a service whose "ClusterIP" is 127.0.0.1.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import type { Service } from '@kubelab/api';
import { RoundRobin, type Backend } from './balancer.js';
import { SocketListenerFactory } from './factory.js';
import { FakeAddressManager } from './netlink.js';
import { Proxier } from './proxier.js';
import { TcpProxy } from './tcp.js';
import { MapStore, SliceStore, capturingLog, freePort, silentLog, svc, tcpSlices, waitFor } from './testing.js';

const closers: (() => void)[] = [];
after(() => {
  for (const c of closers.splice(0)) c();
});

async function httpBackend(name: string): Promise<Backend> {
  const server = http.createServer((_req, res) => {
    res.setHeader('connection', 'close');
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return { ip: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
  });
}

async function getMany(port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await get(port));
  return out;
}

/** Connects and reports how the connection ended and how long it took. */
function connectAndWaitClose(port: number): Promise<{ ms: number; error?: string; data: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = net.connect({ host: '127.0.0.1', port });
    let data = '';
    let error: string | undefined;
    s.on('data', (d) => (data += d.toString()));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on('close', () => resolve({ ms: Date.now() - t0, error, data }));
  });
}

test('proxier forwards a 127.0.0.1 "ClusterIP" round-robin, follows endpoint changes, fails over', async () => {
  const a = await httpBackend('A');
  const b = await httpBackend('B');
  const deadPort = await freePort();
  const port = await freePort();

  const services = new MapStore<Service>([
    svc('web', { type: 'ClusterIP', clusterIP: '127.0.0.1', ports: [{ name: 'http', port }] }),
  ]);
  const slices = new SliceStore();
  slices.set('default/web', tcpSlices('web', [a, b], 'http'));
  const addresses = new FakeAddressManager();
  const proxier = new Proxier({
    services,
    slices: slices.of,
    addresses,
    listeners: new SocketListenerFactory(silentLog, { connectTimeoutMs: 1000 }),
    log: silentLog,
  });
  closers.push(() => proxier.close());
  const sync = (): Promise<void> => proxier.syncService('default/web');
  await proxier.syncAll();
  await proxier.listenersReady();
  assert.deepEqual(addresses.calls, ['list'], '127.0.0.1 is outside the service CIDR: never added');

  const ten = await getMany(port, 10);
  assert.equal(ten.filter((x) => x === 'A').length, 5);
  assert.equal(ten.filter((x) => x === 'B').length, 5);
  for (let i = 1; i < ten.length; i++) assert.notEqual(ten[i], ten[i - 1], `requests alternate: ${ten.join('')}`);

  slices.set('default/web', tcpSlices('web', [b], 'http'));
  await sync();
  assert.deepEqual(await getMany(port, 5), ['B', 'B', 'B', 'B', 'B']);

  slices.set('default/web', tcpSlices('web', [{ ip: '127.0.0.1', port: deadPort }, a], 'http'));
  await sync();
  assert.deepEqual(await getMany(port, 4), ['A', 'A', 'A', 'A'], 'the dead endpoint is skipped');

  slices.set('default/web', tcpSlices('web', [{ ip: '127.0.0.1', port: deadPort }], 'http'));
  await sync();
  const onlyDead = await connectAndWaitClose(port);
  assert.equal(onlyDead.data, '');
  assert.ok(onlyDead.ms < 1000, `closed after every endpoint failed (${onlyDead.ms} ms)`);

  slices.set('default/web', []);
  await sync();
  const none = await connectAndWaitClose(port);
  assert.equal(none.data, '');
  assert.ok(none.ms < 500, `closed promptly without endpoints (${none.ms} ms)`);
  assert.equal(none.error, 'ECONNRESET', 'the client is reset');

  services.remove('default/web');
  await sync();
  const gone = await connectAndWaitClose(port);
  assert.equal(gone.error, 'ECONNREFUSED', 'listener closed with its service');
});

test('an endpoint that does not answer within the connect timeout is skipped', async () => {
  const a = await httpBackend('A');
  const blackhole: Backend = { ip: '192.0.2.1', port: 1 }; // never dialled: the fake dial below stands in
  const dialled: string[] = [];
  const proxy = new TcpProxy({
    host: '127.0.0.1',
    port: 0,
    pool: new RoundRobin([blackhole, a]),
    log: silentLog,
    connectTimeoutMs: 100,
    dial: (b) => {
      dialled.push(`${b.ip}:${b.port}`);
      // A socket that never connects, like a SYN into the void.
      return b === blackhole ? new net.Socket() : net.connect({ host: b.ip, port: b.port, allowHalfOpen: true });
    },
  }).start();
  closers.push(() => proxy.close({ destroyConnections: true }));
  await proxy.listening;
  const t0 = Date.now();
  assert.equal(await get(proxy.boundPort!), 'A');
  const ms = Date.now() - t0;
  assert.ok(ms >= 90 && ms < 2000, `waited for the timeout (${ms} ms)`);
  assert.deepEqual(dialled, ['192.0.2.1:1', `127.0.0.1:${a.port}`]);
});

test('half-close: the client FIN reaches the backend, which can still answer', async () => {
  const backend = net.createServer({ allowHalfOpen: true }, (s) => {
    let n = 0;
    s.on('data', (d) => (n += d.length));
    s.on('end', () => s.end(`got ${n} bytes`));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  closers.push(() => backend.close());
  const proxy = new TcpProxy({
    host: '127.0.0.1',
    port: 0,
    pool: new RoundRobin([{ ip: '127.0.0.1', port: (backend.address() as net.AddressInfo).port }]),
    log: silentLog,
  }).start();
  closers.push(() => proxy.close({ destroyConnections: true }));
  await proxy.listening;

  const payload = Buffer.alloc(4 * 1024 * 1024, 7);
  const reply = await new Promise<string>((resolve, reject) => {
    const c = net.connect({ host: '127.0.0.1', port: proxy.boundPort!, allowHalfOpen: true });
    let out = '';
    c.on('data', (d) => (out += d.toString()));
    c.on('end', () => resolve(out));
    c.on('error', reject);
    c.end(payload);
  });
  assert.equal(reply, `got ${payload.length} bytes`);
});

test('connections already forwarded survive closing the listener and changing the pool', async () => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  closers.push(() => echo.close());
  const pool = new RoundRobin([{ ip: '127.0.0.1', port: (echo.address() as net.AddressInfo).port }]);
  const proxy = new TcpProxy({ host: '127.0.0.1', port: 0, pool, log: silentLog }).start();
  await proxy.listening;
  const port = proxy.boundPort!;

  const c = net.connect({ host: '127.0.0.1', port });
  closers.push(() => c.destroy());
  const received: string[] = [];
  c.on('data', (d) => received.push(d.toString()));
  c.write('one');
  await waitFor(() => received.join('') === 'one', 2000, 'first echo');

  pool.set([]);
  proxy.close();
  const refused = await connectAndWaitClose(port);
  assert.equal(refused.error, 'ECONNREFUSED');

  c.write('two');
  await waitFor(() => received.join('') === 'onetwo', 2000, 'echo after close');
  assert.equal(proxy.activeConnections, 1);
  c.end();
  await waitFor(() => proxy.activeConnections === 0, 2000, 'connection to finish');
});

test('a busy port is retried until it is free', async () => {
  const squatter = net.createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
  const port = (squatter.address() as net.AddressInfo).port;
  const cap = capturingLog();
  const proxy = new TcpProxy({ host: '127.0.0.1', port, pool: new RoundRobin(), log: cap.log }).start();
  closers.push(() => proxy.close({ destroyConnections: true }));
  let bound = false;
  void proxy.listening.then(() => (bound = true));
  await waitFor(() => cap.messages.includes('bind failed; retrying'), 2000, 'a logged bind failure');
  assert.equal(bound, false);
  assert.equal(proxy.boundPort, undefined);
  squatter.close();
  await proxy.listening;
  assert.equal(proxy.boundPort, port);
});

test('a connection to an endpoint that leaves the pool is reset; others stay', async () => {
  const echo = net.createServer((s) => s.on('error', () => {}).pipe(s));
  const echo2 = net.createServer((s) => s.on('error', () => {}).pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => echo2.listen(0, '127.0.0.1', r));
  closers.push(
    () => echo.close(),
    () => echo2.close(),
  );
  const e1 = { ip: '127.0.0.1', port: (echo.address() as net.AddressInfo).port };
  const e2 = { ip: '127.0.0.1', port: (echo2.address() as net.AddressInfo).port };
  const pool = new RoundRobin([e1, e2]);
  const proxy = new TcpProxy({ host: '127.0.0.1', port: 0, pool, log: silentLog }).start();
  closers.push(() => proxy.close({ destroyConnections: true }));
  await proxy.listening;
  const open = async (): Promise<{ c: net.Socket; closed: () => boolean }> => {
    const c = net.connect({ host: '127.0.0.1', port: proxy.boundPort! });
    let closed = false;
    c.on('error', () => {});
    c.on('close', () => (closed = true));
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.write('x');
    await waitFor(() => got === 'x', 2000, 'echo');
    return { c, closed: () => closed };
  };
  const first = await open();
  const second = await open();
  proxy.closeConnectionsTo(new Set([`${e1.ip}:${e1.port}`]));
  await waitFor(() => first.closed(), 2000, 'the connection to the removed endpoint to close');
  assert.equal(second.closed(), false);
  second.c.destroy();
});
