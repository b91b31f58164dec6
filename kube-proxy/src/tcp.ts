/**
 * TCP forwarding of one listen address: each accepted connection goes to the backend whose turn
 * it is; when connecting fails (refused, unreachable, or no answer within the connect timeout)
 * the next backend is tried, each at most once. Without backends the client is reset at once.
 * Bytes are piped both ways with back-pressure; a FIN travels on as a FIN (half-close), an error
 * on either side resets both. Nothing here throws into the event loop.
 */
import * as net from 'node:net';
import { pipeline } from 'node:stream';
import type { Logger } from 'pino';
import { backendKey, type Backend, type BackendPicker } from './balancer.js';
import { BindRetry, type ProxyListener } from './listener.js';

export interface TcpProxyOptions {
  host: string;
  port: number;
  pool: BackendPicker;
  log: Logger;
  /** Per backend; default 3000. */
  connectTimeoutMs?: number;
  /** Opens the connection to a backend (tests replace it). */
  dial?: (b: Backend) => net.Socket;
}

const defaultDial = (b: Backend): net.Socket => net.connect({ host: b.ip, port: b.port, allowHalfOpen: true });

function reset(s: net.Socket): void {
  if (s.destroyed) return;
  // A half-closed socket cannot be reset (EINVAL, and seen here to leave libuv spinning): destroy it.
  if (s.readyState !== 'open' && s.readyState !== 'opening') {
    s.destroy();
    return;
  }
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy();
  }
}

export class TcpProxy implements ProxyListener {
  private server: net.Server | undefined;
  /** Client sides → the upstream socket and backend they were spliced to (none yet while connecting). */
  private readonly conns = new Map<net.Socket, { upstream: net.Socket; backend: string } | undefined>();
  private pool: BackendPicker;
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private readonly dial: (b: Backend) => net.Socket;
  private readonly bind: BindRetry;

  constructor(private readonly opts: TcpProxyOptions) {
    this.pool = opts.pool;
    this.log = opts.log.child({ listen: `${opts.host}:${opts.port}`, protocol: 'TCP' });
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 3000;
    this.dial = opts.dial ?? defaultDial;
    this.bind = new BindRetry(() => this.tryListen(), this.log);
  }

  get listening(): Promise<void> {
    return this.bind.listening;
  }

  /** The bound port (useful when asked for port 0), or undefined before binding. */
  get boundPort(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Connections being forwarded right now (client sides). */
  get activeConnections(): number {
    return this.conns.size;
  }

  start(): this {
    this.bind.start();
    return this;
  }

  setPool(pool: BackendPicker): void {
    this.pool = pool;
  }

  close(opts: { destroyConnections?: boolean } = {}): void {
    this.bind.stop();
    this.server?.close();
    this.server = undefined;
    if (opts.destroyConnections) for (const c of this.conns.keys()) c.destroy();
  }

  closeConnectionsTo(backends: Set<string>): void {
    for (const [client, s] of this.conns) {
      if (!s || !backends.has(s.backend)) continue;
      this.log.debug({ backend: s.backend }, 'endpoint left the pool; resetting its connection');
      reset(client);
      reset(s.upstream);
    }
  }

  private tryListen(): void {
    const server = net.createServer({ allowHalfOpen: true }, (c) => this.onConnection(c));
    const onError = (err: NodeJS.ErrnoException): void => {
      server.close();
      if (this.server === server) this.server = undefined;
      this.bind.failed(err);
    };
    server.once('error', onError);
    server.listen({ host: this.opts.host, port: this.opts.port, exclusive: true }, () => {
      server.off('error', onError);
      if (this.bind.isStopped) {
        server.close();
        return;
      }
      server.on('error', (err) => this.log.warn({ err: err.message }, 'listener error'));
      this.server = server;
      this.log.info('listening');
      this.bind.succeeded();
    });
  }

  private onConnection(client: net.Socket): void {
    this.conns.set(client, undefined);
    client.on('close', () => this.conns.delete(client));
    client.on('error', (err) => this.log.debug({ err: err.message }, 'client connection error'));
    const candidates = this.pool.candidates(client.remoteAddress);
    if (candidates.length === 0) {
      this.log.debug({ client: `${client.remoteAddress}:${client.remotePort}` }, 'no endpoints; resetting client');
      reset(client);
      return;
    }
    this.tryBackend(client, candidates, 0);
  }

  private tryBackend(client: net.Socket, candidates: Backend[], i: number): void {
    if (client.destroyed) return;
    const backend = candidates[i];
    if (!backend) {
      this.log.warn({ tried: candidates.map(backendKey) }, 'no endpoint accepted the connection; resetting client');
      reset(client);
      return;
    }
    let upstream: net.Socket;
    try {
      upstream = this.dial(backend);
    } catch (err) {
      this.log.debug(
        { backend: backendKey(backend), err: (err as Error).message },
        'dial failed; trying next endpoint',
      );
      this.tryBackend(client, candidates, i + 1);
      return;
    }
    let settled = false;
    const settle = (): void => {
      settled = true;
      clearTimeout(timer);
      // The error listener stays: a late error on a settled socket must find a listener.
      upstream.off('connect', onConnect);
      client.off('close', onClientGone);
    };
    const onError = (err: Error): void => {
      if (settled) {
        this.log.debug({ backend: backendKey(backend), err: err.message }, 'endpoint connection error');
        return;
      }
      settle();
      upstream.destroy();
      this.log.debug({ backend: backendKey(backend), err: err.message }, 'endpoint failed; trying next endpoint');
      this.tryBackend(client, candidates, i + 1);
    };
    const onConnect = (): void => {
      if (settled) return;
      settle();
      if (i > 0) this.pool.chose?.(client.remoteAddress, backend);
      this.splice(client, upstream, backend);
    };
    const onClientGone = (): void => {
      if (settled) return;
      settle();
      upstream.destroy();
    };
    const timer = setTimeout(
      () => onError(new Error(`connect timeout after ${this.connectTimeoutMs}ms`)),
      this.connectTimeoutMs,
    );
    upstream.on('error', onError);
    upstream.once('connect', onConnect);
    client.once('close', onClientGone);
  }

  private splice(client: net.Socket, upstream: net.Socket, backend: Backend): void {
    if (this.conns.has(client)) this.conns.set(client, { upstream, backend: backendKey(backend) });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.setKeepAlive(true, 60_000);
    upstream.setKeepAlive(true, 60_000);
    const done = (err: NodeJS.ErrnoException | null): void => {
      if (!err) return;
      reset(client);
      reset(upstream);
    };
    pipeline(client, upstream, done);
    pipeline(upstream, client, done);
  }
}
