/**
 * A throw-away etcd for integration tests: /usr/bin/etcd (or $ETCD_BIN) on 127.0.0.1 with random
 * ports and a temporary data dir (prefix kubelab-etcd-), stoppable and restartable on the same
 * ports. Only loopback traffic.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStore } from '../etcd.js';

const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

export function freePort(): Promise<number> {
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

export class TestEtcd {
  private proc: ChildProcess | undefined;
  /** `extraArgs`: more etcd flags, e.g. `--max-request-bytes=262144`. */
  constructor(private readonly extraArgs: string[] = []) {}

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
        ...this.extraArgs,
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
