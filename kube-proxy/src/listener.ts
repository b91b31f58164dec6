/**
 * The seam between the proxier and its sockets: a listener forwards one (protocol, host, port) to
 * the backends of a pool. Binding is retried with back-off until it works or the listener closes.
 */
import type { Logger } from 'pino';
import { Backoff } from '@kubelab/client';
import type { BackendPicker } from './balancer.js';
import type { ListenerSpec } from './desired.js';

export interface ProxyListener {
  /** Switches to another pool; connections already forwarded are left alone. */
  setPool(pool: BackendPicker): void;
  /** Resolves once the socket is bound (never rejects; binding is retried). */
  readonly listening: Promise<void>;
  /** Stops accepting; forwarded connections may finish. */
  close(): void;
  /** Closes (resets) the forwarded connections to these backends (`ip:port`): they left the pool. */
  closeConnectionsTo(backends: Set<string>): void;
}

export interface ListenerFactory {
  open(spec: ListenerSpec, pool: BackendPicker): ProxyListener;
}

const RETRYABLE_BIND = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'EINVAL']);

/** Schedules bind attempts with back-off and tells whoever waits when one succeeds. */
export class BindRetry {
  private readonly backoff = new Backoff(200, 10_000);
  private timer: NodeJS.Timeout | undefined;
  private resolve!: () => void;
  readonly listening: Promise<void>;
  private stopped = false;

  constructor(
    private readonly attempt: () => void,
    private readonly log: Logger,
  ) {
    this.listening = new Promise((r) => (this.resolve = r));
  }

  start(): void {
    if (!this.stopped) this.attempt();
  }

  succeeded(): void {
    this.backoff.reset();
    this.resolve();
  }

  failed(err: NodeJS.ErrnoException): void {
    if (this.stopped) return;
    const wait = this.backoff.next();
    const code = err.code ?? 'UNKNOWN';
    const msg = RETRYABLE_BIND.has(code) ? 'bind failed; retrying' : 'bind failed with an unexpected error; retrying';
    this.log.warn({ code, err: err.message, retryInMs: wait }, msg);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.attempt();
    }, wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
