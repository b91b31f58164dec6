/**
 * Integration test: runs the Store contract against a real etcd started from /usr/bin/etcd on
 * 127.0.0.1 (random ports, temporary data dir), then checks that the store survives an etcd
 * restart. Run: node --test apiserver/dist/storage/etcd.itest.js
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '@kubelab/proto';
import { EtcdStore } from './etcd.js';
import { storeContract, takeEvents } from './contract.js';

const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

class TestEtcd {
  private proc: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'kubelab-etcd-'));
  clientPort = 0;
  peerPort = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  async start(): Promise<void> {
    if (!this.clientPort) {
      this.clientPort = await freePort();
      this.peerPort = await freePort();
    }
    const client = this.endpoint;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.proc = spawn(
      ETCD_BIN,
      [
        '--name=itest',
        `--data-dir=${this.dir}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=itest=${peer}`,
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    await waitReady(this.endpoint);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function waitReady(endpoint: string): Promise<void> {
  const probe = new EtcdStore({ endpoints: [endpoint], callTimeoutMs: 1_000 });
  try {
    for (let i = 0; i < 100; i++) {
      try {
        await probe.currentRevision();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`etcd at ${endpoint} did not become ready`);
  } finally {
    await probe.close();
  }
}

const etcd = new TestEtcd();
before(() => etcd.start());
after(async () => {
  await etcd.stop();
  etcd.cleanup();
});

storeContract('EtcdStore', async () => new EtcdStore({ endpoints: [etcd.endpoint] }));

describe('EtcdStore across an etcd restart', () => {
  it('reports ServiceUnavailable while etcd is down and recovers (including a running watch)', async () => {
    const store = new EtcdStore({ endpoints: [etcd.endpoint], callTimeoutMs: 2_000 });
    try {
      const rev = await store.create('/restart/a', Buffer.from('1'));
      const pending = takeEvents(store, '/restart/', rev + 1, 1, 30_000);
      await new Promise((r) => setTimeout(r, 200));
      await etcd.stop();
      await assert.rejects(store.get('/restart/a'), (e: unknown) => e instanceof ApiError && e.reason === 'ServiceUnavailable' && e.message.startsWith('etcd is unavailable: '));
      await etcd.start();
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        try {
          await store.update('/restart/a', Buffer.from('2'), rev);
          ok = true;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.ok(ok, 'store did not recover after etcd restarted');
      const evs = await pending;
      assert.equal(evs[0]?.value.toString(), '2');
    } finally {
      await store.close();
    }
  });
});
