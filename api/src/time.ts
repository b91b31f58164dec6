/** Time in the form Kubernetes writes it (RFC 3339, seconds precision), behind an injectable clock. */

export interface Clock {
  /** Wall-clock milliseconds since the epoch: what goes into timestamps (and what a clock skew moves). */
  now(): number;
  /**
   * Milliseconds on a clock that only runs forward at the rate of real time, unmoved by skew or
   * wall-clock steps: for "how long since this process saw X", as Go's monotonic reading of
   * time.Now() is. Absent (fakes), elapsedMs falls back to now().
   */
  monotonic?(): number;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/** A reading for measuring intervals between this process's own observations (never for timestamps). */
export function monotonicNow(clock: Clock): number {
  return clock.monotonic ? clock.monotonic() : clock.now();
}

// The last second formatted: a create stamps several times within one (creationTimestamp, managedFields).
let lastSecond = Number.NaN;
let lastText = '';

export function rfc3339(ms: number = Date.now()): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}

/** Upstream's short duration for AGE columns: 45s, 5m12s, 3h4m, 2d5h, 400d. */
export function humanAge(fromIso: string | null | undefined, nowMs = Date.now()): string {
  if (!fromIso) return '<unknown>';
  const s = Math.max(0, Math.floor((nowMs - Date.parse(fromIso)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y${d % 365 ? `${d % 365}d` : ''}`;
}
