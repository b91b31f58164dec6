import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from '../registry/types.js';
import { serveHealth } from './health.js';

async function ask(registry: Partial<Registry>, path: string): Promise<{ status: number; body: string }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    void serveHealth(res, registry as Registry, url.pathname, url.searchParams).then(
      (served) => served || ((res.statusCode = 418), res.end()),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return { status: res.status, body: await res.text() };
  } finally {
    server.close();
  }
}

describe('health endpoints', () => {
  const healthy: Partial<Registry> = { storageReady: async () => undefined, watchHealth: () => undefined };
  const stuck: Partial<Registry> = {
    storageReady: async () => undefined,
    watchHealth: () => '/registry/pods/: not attached after 5000 ms while etcd answers',
  };
  const noEtcd: Partial<Registry> = {
    storageReady: async () => Promise.reject(new Error('etcd is unavailable: connection refused')),
    watchHealth: () => undefined,
  };

  it('answers ok when every check passes, and lists the checks with ?verbose', async () => {
    assert.deepEqual(await ask(healthy, '/readyz'), { status: 200, body: 'ok' });
    assert.deepEqual(await ask(healthy, '/readyz?verbose'), {
      status: 200,
      body: '[+]ping ok\n[+]etcd ok\n[+]etcd-watch ok\nreadyz check passed\n',
    });
    assert.deepEqual(await ask(healthy, '/livez?verbose'), { status: 200, body: '[+]ping ok\nlivez check passed\n' });
  });

  it('fails readyz with [-]etcd-watch when a watch is stuck, while livez stays ok', async () => {
    assert.deepEqual(await ask(stuck, '/readyz'), {
      status: 500,
      body: '[+]ping ok\n[+]etcd ok\n[-]etcd-watch failed: reason withheld\nreadyz check failed\n',
    });
    assert.deepEqual(await ask(stuck, '/readyz/etcd-watch'), {
      status: 500,
      body: 'internal server error: /registry/pods/: not attached after 5000 ms while etcd answers\n',
    });
    assert.deepEqual(await ask(stuck, '/livez'), { status: 200, body: 'ok' });
  });

  it('fails readyz and healthz with [-]etcd when etcd does not answer; exclude= skips a check', async () => {
    assert.equal((await ask(noEtcd, '/healthz')).status, 500);
    assert.match((await ask(noEtcd, '/readyz')).body, /^\[-\]etcd failed: reason withheld$/m);
    assert.deepEqual(await ask(noEtcd, '/readyz?exclude=etcd'), { status: 200, body: 'ok' });
    assert.deepEqual(await ask(noEtcd, '/readyz/ping'), { status: 200, body: 'ok' });
    assert.equal((await ask(noEtcd, '/readyz/nope')).status, 404);
  });
});
