/**
 * Per-key restart back-off on an injected clock, the shape of upstream's flowcontrol.Backoff: the
 * first restart is immediate, then base, 2·base, … up to max, measured from the moment the
 * container finished. An entry unused for 2·max is forgotten.
 */
import type { Clock } from '@kubelab/api';

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class RestartBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly baseMs: number,
    readonly maxMs: number,
  ) {}

  private expired(e: Entry, at: number): boolean {
    return at - e.lastUpdate > 2 * this.maxMs;
  }

  /** The current delay of the key (0 when none). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Milliseconds still to wait before the key may restart after an event at `eventTime`; 0 = go. */
  remaining(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.delayMs - (this.clock.now() - eventTime));
  }

  /** Records a restart for an event at `eventTime`: the next wait doubles (or starts at base). */
  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) {
      this.entries.set(key, { delayMs: this.baseMs, lastUpdate: eventTime });
      return;
    }
    e.delayMs = Math.min(this.maxMs, e.delayMs * 2);
    e.lastUpdate = eventTime;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with prefix (a pod's uid). */
  forgetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Drops entries unused for 2·max. */
  gc(): void {
    const now = this.clock.now();
    for (const [k, e] of [...this.entries]) if (this.expired(e, now)) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Go's time.Duration String(): 10s, 1m20s, 5m0s, 1.5s, 500ms. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = Math.round((totalS % 60) * 1000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
