/** Jittered exponential back-off, and an abortable sleep. */
import { onAbort } from './abort.js';

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly baseMs = 200,
    private readonly maxMs = 10_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const exp = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt++;
    return Math.round(exp * (0.5 + this.random() / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after ms, or early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    const off = signal ? onAbort(signal, done) : undefined;
    function done(): void {
      clearTimeout(t);
      off?.();
      resolve();
    }
  });
}
