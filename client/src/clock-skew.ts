/**
 * A component's clock with an offset that can change while it runs: the knob behind `kubelab
 * chaos clock-skew`. now() is the system clock plus the milliseconds written in
 * /run/kubelab/clock-skew inside the component's container (a signed integer, "90000" or
 * "-30000"; no file, no offset), which is looked at every second. monotonic() is left alone: a
 * skew moves the timestamps a component writes and every comparison of its now() with a stored
 * time, never the intervals it measures between its own observations (Go's monotonic reading).
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from 'pino';
import { monotonicNow, systemClock, type Clock } from '@kubelab/api';

export const CLOCK_SKEW_FILE = '/run/kubelab/clock-skew';

/** Larger offsets are refused: a year either way is more than any test needs. */
export const MAX_CLOCK_SKEW_MS = 366 * 24 * 3600_000;

/** The offset in a skew file's text: a signed whole number of milliseconds ("" is no offset). */
export function parseClockSkew(text: string): number {
  const t = text.trim();
  if (t === '') return 0;
  if (!/^[+-]?\d+$/.test(t)) throw new Error(`clock skew "${t}": not a whole number of milliseconds`);
  const ms = Number(t);
  if (Math.abs(ms) > MAX_CLOCK_SKEW_MS) throw new Error(`clock skew ${ms} ms: more than a year`);
  return ms;
}

export class SkewedClock implements Clock {
  private offset = 0;

  constructor(private readonly base: Clock = systemClock) {}

  now(): number {
    return this.base.now() + this.offset;
  }

  monotonic(): number {
    return monotonicNow(this.base);
  }

  get offsetMs(): number {
    return this.offset;
  }

  set offsetMs(ms: number) {
    this.offset = ms;
  }
}

export interface ClockSkewOptions {
  file?: string;
  /** How often the file is looked at (default 1 s). */
  intervalMs?: number;
  log?: Logger;
  base?: Clock;
  /** Stops watching the file. */
  signal?: AbortSignal;
}

/** Reads a skew file (missing: 0); a file that cannot be parsed is logged and counts as no offset. */
export function readClockSkew(file: string, log?: Logger): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    log?.error({ file, err }, 'cannot read the clock skew file; no skew');
    return 0;
  }
  try {
    return parseClockSkew(text);
  } catch (err) {
    log?.error({ file, err: (err as Error).message }, 'bad clock skew file; no skew');
    return 0;
  }
}

/** The process's clock: the system's, skewed by the file while it is there. */
export function watchClockSkew(opts: ClockSkewOptions = {}): SkewedClock {
  const file = opts.file ?? CLOCK_SKEW_FILE;
  const clock = new SkewedClock(opts.base);
  const refresh = (): void => {
    const ms = readClockSkew(file, opts.log);
    if (ms === clock.offsetMs) return;
    clock.offsetMs = ms;
    if (ms) opts.log?.warn({ offsetMs: ms, file }, `clock skewed ${ms > 0 ? '+' : ''}${ms / 1000}s`);
    else opts.log?.warn({ file }, 'clock skew removed');
  };
  refresh();
  const interval = opts.intervalMs ?? 1000;
  // Stat polling: works for a file that does not exist yet, and never keeps the process alive.
  const listener = (): void => refresh();
  watchFile(file, { persistent: false, interval }, listener);
  opts.signal?.addEventListener('abort', () => unwatchFile(file, listener), { once: true });
  return clock;
}
