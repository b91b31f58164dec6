/** UDP forwarding on loopback (127.0.0.1 only). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { RoundRobin, type Backend } from './balancer.js';
import { UdpProxy } from './udp.js';
import { silentLog, waitFor } from './testing.js';

const closers: (() => void)[] = [];
after(() => {
  for (const c of closers.splice(0)) c();
});

async function udpBackend(name: string): Promise<Backend> {
  const s = dgram.createSocket('udp4');
  s.on('message', (msg, r) => s.send(`${name}:${msg.toString()}`, r.port, r.address));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  closers.push(() => s.close());
  return { ip: '127.0.0.1', port: s.address().port };
}

async function client(): Promise<{
  ask(port: number, msg: string): Promise<string>;
  send(port: number, msg: string): void;
  replies: string[];
}> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  closers.push(() => s.close());
  const replies: string[] = [];
  s.on('message', (m) => replies.push(m.toString()));
  return {
    replies,
    send(port, msg) {
      s.send(msg, port, '127.0.0.1');
    },
    async ask(port, msg) {
      const before = replies.length;
      s.send(msg, port, '127.0.0.1');
      await waitFor(() => replies.length > before, 2000, `a reply to ${msg}`);
      return replies[before]!;
    },
  };
}

async function proxy(pool: RoundRobin, idleTimeoutMs = 30_000): Promise<UdpProxy> {
  const p = new UdpProxy({ host: '127.0.0.1', port: 0, pool, log: silentLog, idleTimeoutMs }).start();
  closers.push(() => p.close());
  await p.listening;
  return p;
}

test('a client keeps its backend; a new client gets the next one; replies come back', async () => {
  const p = await proxy(new RoundRobin([await udpBackend('A'), await udpBackend('B')]));
  const c1 = await client();
  const c2 = await client();
  assert.equal(await c1.ask(p.boundPort!, 'x'), 'A:x');
  assert.equal(await c1.ask(p.boundPort!, 'y'), 'A:y');
  assert.equal(await c2.ask(p.boundPort!, 'z'), 'B:z');
  assert.equal(p.sessionCount, 2);
});

test('idle sessions end, and the next datagram starts a new one', async () => {
  const p = await proxy(new RoundRobin([await udpBackend('A'), await udpBackend('B')]), 50);
  const c = await client();
  assert.equal(await c.ask(p.boundPort!, '1'), 'A:1');
  await waitFor(() => p.sessionCount === 0, 2000, 'the idle session to end');
  assert.equal(await c.ask(p.boundPort!, '2'), 'B:2');
});

test('without backends datagrams are dropped', async () => {
  const pool = new RoundRobin();
  const p = await proxy(pool);
  const c = await client();
  c.send(p.boundPort!, 'lost');
  await assert.rejects(
    waitFor(() => c.replies.length > 0, 100, 'no reply'),
    /timed out/,
  );
  assert.equal(p.sessionCount, 0);
  pool.set([await udpBackend('A')]);
  assert.equal(await c.ask(p.boundPort!, 'now'), 'A:now');
});

test('a refusing backend ends the session; the client then reaches the next backend', async () => {
  const dead = dgram.createSocket('udp4');
  await new Promise<void>((r) => dead.bind(0, '127.0.0.1', r));
  const deadPort = dead.address().port;
  await new Promise<void>((r) => dead.close(() => r()));
  const p = await proxy(new RoundRobin([{ ip: '127.0.0.1', port: deadPort }, await udpBackend('A')]));
  const c = await client();
  let answer: string | undefined;
  for (let i = 0; i < 20 && answer === undefined; i++) {
    try {
      answer = await Promise.race([
        c.ask(p.boundPort!, `try${i}`),
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no reply')), 100)),
      ]);
    } catch {
      /* the datagram went to the dead port */
    }
  }
  assert.match(answer ?? '', /^A:try\d+$/);
});

test('closing stops the listener and its sessions', async () => {
  const p = await proxy(new RoundRobin([await udpBackend('A')]));
  const c = await client();
  await c.ask(p.boundPort!, 'hi');
  p.close();
  assert.equal(p.sessionCount, 0);
});
