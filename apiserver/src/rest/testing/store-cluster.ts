/**
 * A real apiserver for integration tests: the StoreRegistry on a throw-away etcd (TestEtcd), the
 * REST facade and the gRPC Resources service on 127.0.0.1 (random ports), a kubeconfig for the
 * real kubectl, and helpers to call it and to prove its watches still deliver. Loopback only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { ApiClient } from '@kubelab/client';
import { startGrpcServer, stopGrpcServer } from '../../grpc/server.js';
import { bootstrap } from '../../registry/bootstrap.js';
import { StoreRegistry, type RegistryOptions } from '../../registry/registry.js';
import { EtcdStore } from '../../storage/etcd.js';
import type { WatchTimings } from '../../storage/etcd-watch.js';
import { TestEtcd } from '../../storage/testing/etcd-server.js';
import { startRestServer } from '../server.js';
import { runIn, writeKubeconfig, type RunResult } from './harness.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Reply {
  status: number;
  json: Json;
  text: string;
  warnings: string[];
}

export interface StoreClusterOptions {
  /** More etcd flags (e.g. a small `--max-request-bytes`). */
  etcdArgs?: string[];
  /** The etcd watchdog's timings (shorter in tests of storage faults). */
  watchTimings?: Partial<WatchTimings>;
  /** Unary etcd call deadline. */
  callTimeoutMs?: number;
  /** Registry settings (e.g. a short watch history, so that late watchers go to etcd, or a short eventTTLSeconds). */
  registry?: RegistryOptions;
}

export class StoreCluster {
  readonly etcd: TestEtcd;
  readonly dir = mkdtempSync(join(tmpdir(), 'kubelab-rest-store-'));
  private readonly ac = new AbortController();
  store!: EtcdStore;
  registry!: StoreRegistry;
  rest!: Server;
  grpcServer!: grpc.Server;
  client!: ApiClient;
  base = '';

  constructor(private readonly opts: StoreClusterOptions = {}) {
    this.etcd = new TestEtcd(opts.etcdArgs);
  }

  async start(): Promise<this> {
    await this.etcd.start();
    const log = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
    this.store = new EtcdStore({
      endpoints: [this.etcd.endpoint],
      ...(this.opts.watchTimings ? { watchTimings: this.opts.watchTimings } : {}),
      ...(this.opts.callTimeoutMs ? { callTimeoutMs: this.opts.callTimeoutMs } : {}),
    });
    this.registry = new StoreRegistry(this.store, { namespacePollMs: 50, ...this.opts.registry });
    await bootstrap(this.registry);
    this.rest = await startRestServer({
      registry: this.registry,
      port: 0,
      host: '127.0.0.1',
      log,
      signal: this.ac.signal,
    });
    const port = (this.rest.address() as AddressInfo).port;
    this.base = `http://127.0.0.1:${port}`;
    writeKubeconfig(this.dir, port);
    const g = await startGrpcServer({ registry: this.registry, port: 0, host: '127.0.0.1', log });
    this.grpcServer = g.server;
    this.client = new ApiClient(`127.0.0.1:${g.port}`, { credentials: { insecure: true } });
    return this;
  }

  async stop(): Promise<void> {
    this.client.close();
    await stopGrpcServer(this.grpcServer, 500);
    const closed = new Promise<void>((resolve) => this.rest.once('close', () => resolve()));
    this.ac.abort();
    await closed;
    await this.registry.close();
    await this.store.close();
    await this.etcd.stop();
    this.etcd.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One HTTP call; a JSON body is sent as JSON unless it is already a string or bytes. */
  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const init: RequestInit = { method, headers: { 'Content-Type': 'application/json', ...headers } };
    if (body !== undefined)
      init.body = typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body);
    const res = await fetch(`${this.base}${path}`, init);
    const text = await res.text();
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      /* not JSON */
    }
    const warnings = (res.headers.get('warning') ?? '')
      .split(/,\s*(?=299 )/)
      .filter((w) => w.length > 0)
      .map((w) => JSON.parse(w.replace(/^299 - /, '')) as string);
    return { status: res.status, json, text, warnings };
  }

  file(name: string, text: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }

  kubectl(bin: string, args: string[]): Promise<RunResult> {
    return runIn(this.dir, bin, args);
  }

  /**
   * Proves the apiserver still serves watches: a new watch on ConfigMaps sees a ConfigMap created
   * after it opened, within a deadline (a silent watch is a failure, not a wait).
   */
  async assertWatchDelivers(name: string, deadlineMs = 10_000): Promise<void> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), deadlineMs);
    try {
      const res = await fetch(
        `${this.base}/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3D${name}`,
        { signal: ac.signal },
      );
      if (res.status !== 200) throw new Error(`watch answered ${res.status}`);
      const created = await this.call('POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name },
        data: { k: 'v' },
      });
      if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.text}`);
      const reader = res.body!.getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the watch ended before the event arrived');
        buf += Buffer.from(value).toString('utf8');
        const line = buf.split('\n').find((l) => l.includes(`"name":"${name}"`));
        if (line && (JSON.parse(line) as Json)['type'] === 'ADDED') return;
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
  }
}
