/**
 * Work queue of keys (client-go's shape): adding a queued key is a no-op, one key is never
 * handed to two workers at once (a key added while it is being processed is processed again
 * afterwards), and failures are retried with per-key exponential back-off.
 */
import type { Logger } from 'pino';
import { onAbort } from './abort.js';

/** What a reconcile may ask for, as controller-runtime's Result: to be looked at again after a delay. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface QueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private waiters: (() => void)[] = [];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(opts: QueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 50;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
  }

  add(key: string): void {
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  /** Adds the key after a delay; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (ms <= 0) return this.add(key);
    if (this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  /** Re-adds after this key's back-off, which doubles on each consecutive failure. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n));
  }

  /** Clears the key's failure count (call after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  get length(): number {
    return this.queue.length;
  }

  private async take(signal: AbortSignal): Promise<string | undefined> {
    while (this.queue.length === 0) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          off();
          resolve();
        };
        this.waiters.push(wake);
        const off = onAbort(signal, wake);
      });
    }
    const key = this.queue.shift()!;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  private done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /**
   * Runs `workers` loops calling handler(key); a throw means retry with back-off, a result with
   * `requeueAfterMs` a fresh look after that delay (failure count cleared).
   */
  async run(
    workers: number,
    handler: (key: string) => Promise<void | ReconcileResult>,
    signal: AbortSignal,
    log?: Logger,
  ): Promise<void> {
    const loop = async (): Promise<void> => {
      for (;;) {
        const key = await this.take(signal);
        if (key === undefined) return;
        try {
          const result = await handler(key);
          this.forget(key);
          if (result?.requeueAfterMs !== undefined && !signal.aborted) this.addAfter(key, result.requeueAfterMs);
        } catch (err) {
          log?.warn(
            { key, err: err instanceof Error ? err.message : String(err), attempt: (this.failures.get(key) ?? 0) + 1 },
            'reconcile failed; will retry',
          );
          if (!signal.aborted) this.addRateLimited(key);
        } finally {
          this.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, loop));
    for (const t of this.timers.values()) clearTimeout(t);
  }
}
