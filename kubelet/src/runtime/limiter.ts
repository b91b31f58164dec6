/** A counting semaphore and a deadline for promises: no runtime call may hang or pile up. */

export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`semaphore limit must be a positive integer, got ${limit}`);
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next) next();
      else this.active--;
    }
  }
}

export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: timed out after ${ms / 1000}s`);
    this.name = 'TimeoutError';
  }
}

/**
 * Runs fn with an AbortSignal that fires after ms, and rejects with TimeoutError at that moment
 * even if fn ignores the signal.
 */
export function withTimeout<T>(what: string, ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new TimeoutError(what, ms));
    }, ms);
  });
  const work = fn(ac.signal);
  // If the deadline wins, a later rejection of the abandoned call must not go unhandled.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
