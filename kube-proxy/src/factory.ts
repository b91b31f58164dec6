/** The real ListenerFactory (TCP and UDP sockets) and a fake one that records what was asked. */
import type { Logger } from 'pino';
import type { BackendPicker } from './balancer.js';
import type { ListenerSpec } from './desired.js';
import type { ListenerFactory, ProxyListener } from './listener.js';
import { TcpProxy } from './tcp.js';
import { UdpProxy } from './udp.js';

export interface SocketListenerOptions {
  connectTimeoutMs?: number;
  udpIdleTimeoutMs?: number;
}

export class SocketListenerFactory implements ListenerFactory {
  constructor(
    private readonly log: Logger,
    private readonly opts: SocketListenerOptions = {},
  ) {}

  open(spec: ListenerSpec, pool: BackendPicker): ProxyListener {
    const base = { host: spec.host, port: spec.port, pool, log: this.log.child({ pool: spec.pool }) };
    if (spec.protocol === 'UDP') return new UdpProxy({ ...base, idleTimeoutMs: this.opts.udpIdleTimeoutMs }).start();
    return new TcpProxy({ ...base, connectTimeoutMs: this.opts.connectTimeoutMs }).start();
  }
}

export class FakeListener implements ProxyListener {
  closed = false;
  readonly listening = Promise.resolve();
  constructor(
    readonly spec: ListenerSpec,
    public pool: BackendPicker,
  ) {}
  setPool(pool: BackendPicker): void {
    this.pool = pool;
  }
  close(): void {
    this.closed = true;
  }
  readonly closedTo: string[] = [];
  closeConnectionsTo(backends: Set<string>): void {
    this.closedTo.push(...backends);
  }
}

export class FakeListenerFactory implements ListenerFactory {
  readonly opened: FakeListener[] = [];
  open(spec: ListenerSpec, pool: BackendPicker): ProxyListener {
    const l = new FakeListener(spec, pool);
    this.opened.push(l);
    return l;
  }
  /** Listeners opened and not closed, by key. */
  live(): Map<string, FakeListener> {
    return new Map(this.opened.filter((l) => !l.closed).map((l) => [l.spec.key, l]));
  }
}
