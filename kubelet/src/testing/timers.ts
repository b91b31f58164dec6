/** Timers driven by a ManualClock: advance() fires due callbacks in time order and lets their promises settle. */
import type { Timers } from '../probes/timers.js';
import type { ManualClock } from './fakes.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

/** Lets pending promise chains (fake runtime calls, prober results) run to completion. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

export class ManualTimers implements Timers {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly clock: ManualClock) {}

  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { id, at: this.clock.now() + Math.max(0, ms), fn });
    return id;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Moves the clock forward by ms, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    await flush();
    for (;;) {
      const next = [...this.pending.values()].filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.pending.delete(next.id);
      if (next.at > this.clock.now()) this.clock.ms = next.at;
      next.fn();
      await flush();
    }
    this.clock.ms = end;
  }
}
