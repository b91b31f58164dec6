/**
 * One listening port of the balancer: each connection goes to the best backend address on the
 * same port (BackendPool.candidates), the next one when connecting fails or takes longer than
 * the connect timeout; bytes are piped both ways untouched (TLS, HTTP/2 and upgrades pass), and
 * an error or close on either side closes both.
 */
import * as net from 'node:net';
import { pipeline } from 'node:stream';
import type { Logger } from 'pino';
import type { BackendPool } from './backends.js';

export class LbProxy {
  private readonly server: net.Server;
  private readonly conns = new Set<net.Socket>();
  private readonly log: Logger;

  constructor(
    readonly port: number,
    private readonly backendPort: number,
    private readonly pool: BackendPool,
    private readonly connectTimeoutMs: number,
    log: Logger,
  ) {
    this.log = log.child({ port });
    this.server = net.createServer({ pauseOnConnect: true }, (c) => this.onConnection(c));
    this.server.on('error', (err) => this.log.warn({ err: err.message }, 'listener error'));
  }

  listen(host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port: this.port }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  get activeConnections(): number {
    return this.conns.size;
  }

  close(): void {
    this.server.close();
    for (const c of this.conns) c.destroy();
  }

  private onConnection(client: net.Socket): void {
    this.conns.add(client);
    client.on('close', () => this.conns.delete(client));
    client.on('error', (err) => this.log.debug({ err: err.message }, 'client connection error'));
    this.tryBackend(client, this.pool.candidates(), 0);
  }

  private tryBackend(client: net.Socket, candidates: string[], i: number): void {
    if (client.destroyed) return;
    const address = candidates[i];
    if (address === undefined) {
      this.log.warn({ tried: candidates }, 'no apiserver accepted the connection; closing it');
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: address, port: this.backendPort });
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      upstream.destroy();
      this.pool.markDown(address);
      this.log.debug({ backend: address, err: why }, 'apiserver did not accept; trying the next');
      this.tryBackend(client, candidates, i + 1);
    };
    const timer = setTimeout(() => fail(`connect timeout after ${this.connectTimeoutMs} ms`), this.connectTimeoutMs);
    upstream.on('error', (err) => fail(err.message));
    upstream.once('connect', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.splice(client, upstream);
    });
  }

  private splice(client: net.Socket, upstream: net.Socket): void {
    // Long watches through a dead peer are noticed by keepalive (a killed apiserver resets at once).
    client.setKeepAlive(true, 10_000);
    upstream.setKeepAlive(true, 10_000);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    pipeline(client, upstream, closeBoth);
    pipeline(upstream, client, closeBoth);
  }
}
