/** The balancer's TCP forwarding on loopback: 127.0.0.2 and 127.0.0.3 stand in for two apiservers on one port. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import pino from 'pino';
import { BackendPool, type Checker } from './backends.js';
import { LbProxy } from './proxy.js';

const log = pino({ level: 'silent' });

/** A backend that answers every line with its own name. */
function backend(host: string, port: number): Promise<net.Server> {
  const server = net.createServer((s) => s.on('data', () => s.write(host)));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve(server));
  });
}

function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write('who?\n'));
    s.once('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve('closed') : reject(err)));
    s.once('close', () => resolve('closed'));
  });
}

const allReady: Checker = { check: async () => 'ready', forget: () => undefined };

describe('LbProxy', () => {
  const closers: (() => void)[] = [];
  after(() => closers.forEach((c) => c()));

  it('spreads connections over the backends and skips one that refuses them', async () => {
    const first = await backend('127.0.0.2', 0);
    const port = (first.address() as net.AddressInfo).port;
    const second = await backend('127.0.0.3', port);
    closers.push(
      () => first.close(),
      () => second.close(),
    );
    const pool = new BackendPool(['127.0.0.2', '127.0.0.3'], async (n) => [n], allReady, log);
    await pool.refresh();
    const proxy = new LbProxy(0, port, pool, 1_000, log);
    const lbPort = await proxy.listen('127.0.0.1');
    closers.push(() => proxy.close());
    const answers = new Set([await ask(lbPort), await ask(lbPort)]);
    assert.deepEqual([...answers].sort(), ['127.0.0.2', '127.0.0.3']);
    await new Promise<void>((r) => first.close(() => r()));
    for (let i = 0; i < 4; i++)
      assert.equal(await ask(lbPort), '127.0.0.3', 'every connection reaches the live backend');
    assert.equal(pool.snapshot()['127.0.0.2'], 'down', 'the refusing backend was marked down');
  });

  it('closes the client when no backend accepts', async () => {
    const pool = new BackendPool(['127.0.0.4'], async (n) => [n], allReady, log);
    await pool.refresh();
    const proxy = new LbProxy(0, 9, pool, 500, log);
    const lbPort = await proxy.listen('127.0.0.1');
    closers.push(() => proxy.close());
    assert.equal(await ask(lbPort), 'closed');
  });
});
