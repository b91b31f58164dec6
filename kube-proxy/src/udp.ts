/**
 * UDP forwarding of one listen address. Each client address gets a session: a socket connected
 * to the backend whose turn it was when the session began. Replies go back to the client from
 * the listening socket (so their source is the address the client asked). A session ends after
 * an idle timeout, or when its backend reports an error (e.g. ICMP port unreachable), so the next
 * datagram from that client picks the next backend. Datagrams with no backend are dropped.
 */
import * as dgram from 'node:dgram';
import type { Logger } from 'pino';
import { backendKey, type Backend, type BackendPicker } from './balancer.js';
import { BindRetry, type ProxyListener } from './listener.js';

export interface UdpProxyOptions {
  host: string;
  port: number;
  pool: BackendPicker;
  log: Logger;
  /** Default 30 s. */
  idleTimeoutMs?: number;
  /** The oldest session is dropped beyond this; default 1024. */
  maxSessions?: number;
}

const MAX_PENDING = 64;

interface Session {
  sock: dgram.Socket;
  backend: Backend;
  connected: boolean;
  pending: Buffer[];
  lastActive: number;
  timer: NodeJS.Timeout | undefined;
}

export class UdpProxy implements ProxyListener {
  private socket: dgram.Socket | undefined;
  private readonly sessions = new Map<string, Session>();
  private pool: BackendPicker;
  private readonly log: Logger;
  private readonly idleTimeoutMs: number;
  private readonly maxSessions: number;
  private readonly bind: BindRetry;

  constructor(private readonly opts: UdpProxyOptions) {
    this.pool = opts.pool;
    this.log = opts.log.child({ listen: `${opts.host}:${opts.port}`, protocol: 'UDP' });
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
    this.maxSessions = opts.maxSessions ?? 1024;
    this.bind = new BindRetry(() => this.tryBind(), this.log);
  }

  get listening(): Promise<void> {
    return this.bind.listening;
  }

  get boundPort(): number | undefined {
    try {
      return this.socket?.address().port;
    } catch {
      return undefined;
    }
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  start(): this {
    this.bind.start();
    return this;
  }

  setPool(pool: BackendPicker): void {
    this.pool = pool;
  }

  close(): void {
    this.bind.stop();
    for (const key of [...this.sessions.keys()]) this.endSession(key);
    this.socket?.close();
    this.socket = undefined;
  }

  private tryBind(): void {
    const sock = dgram.createSocket({ type: 'udp4' });
    const onError = (err: NodeJS.ErrnoException): void => {
      sock.close();
      this.bind.failed(err);
    };
    sock.once('error', onError);
    sock.bind({ address: this.opts.host, port: this.opts.port, exclusive: true }, () => {
      sock.off('error', onError);
      if (this.bind.isStopped) {
        sock.close();
        return;
      }
      sock.on('error', (err) => this.log.warn({ err: err.message }, 'listener error'));
      sock.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
      this.socket = sock;
      this.log.info('listening');
      this.bind.succeeded();
    });
  }

  private onDatagram(msg: Buffer, client: dgram.RemoteInfo): void {
    const key = `${client.address}:${client.port}`;
    let s = this.sessions.get(key);
    if (!s) {
      const backend = this.pool.candidates(client.address)[0];
      if (!backend) {
        this.log.debug({ client: key }, 'no endpoints; datagram dropped');
        return;
      }
      s = this.openSession(key, client, backend);
    }
    s.lastActive = Date.now();
    if (s.connected) this.forward(key, s, msg);
    else if (s.pending.length < MAX_PENDING) s.pending.push(msg);
  }

  private forward(key: string, s: Session, msg: Buffer): void {
    s.sock.send(msg, (err) => {
      if (err) {
        this.log.debug(
          { client: key, backend: backendKey(s.backend), err: err.message },
          'send to endpoint failed; session ended',
        );
        this.endSession(key);
      }
    });
  }

  private openSession(key: string, client: dgram.RemoteInfo, backend: Backend): Session {
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.endSession(oldest);
    }
    const sock = dgram.createSocket({ type: 'udp4' });
    const s: Session = { sock, backend, connected: false, pending: [], lastActive: Date.now(), timer: undefined };
    this.sessions.set(key, s);
    sock.on('error', (err) => {
      this.log.debug({ client: key, backend: backendKey(backend), err: err.message }, 'endpoint error; session ended');
      if (this.sessions.get(key) === s) this.endSession(key);
    });
    sock.on('message', (reply) => {
      s.lastActive = Date.now();
      this.socket?.send(reply, client.port, client.address, (err) => {
        if (err) this.log.debug({ client: key, err: err.message }, 'reply to client failed');
      });
    });
    sock.connect(backend.port, backend.ip, () => {
      if (this.sessions.get(key) !== s) return;
      s.connected = true;
      for (const m of s.pending.splice(0)) this.forward(key, s, m);
    });
    this.armIdle(key, s, this.idleTimeoutMs);
    return s;
  }

  private armIdle(key: string, s: Session, ms: number): void {
    s.timer = setTimeout(() => {
      const left = s.lastActive + this.idleTimeoutMs - Date.now();
      if (left > 0) this.armIdle(key, s, left);
      else if (this.sessions.get(key) === s) this.endSession(key);
    }, ms);
  }

  closeConnectionsTo(backends: Set<string>): void {
    for (const [key, s] of [...this.sessions]) if (backends.has(backendKey(s.backend))) this.endSession(key);
  }

  private endSession(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    if (s.timer) clearTimeout(s.timer);
    try {
      s.sock.close();
    } catch {
      /* already closed */
    }
  }
}
