/**
 * Parsing the arguments of `kubelab chaos latency` (durations "200ms", "1s"; percentages "5%") and
 * `kubelab chaos clock-skew` (signed offsets "+90s", "-2m", "1h30m").
 */

/** Milliseconds from "200ms", "1.5s" or a bare number of milliseconds. */
export function parseDuration(raw: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(raw.trim());
  if (!m) throw new Error(`${what}: Invalid value: "${raw}": must be a duration such as 200ms or 1s`);
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (ms > 60_000) throw new Error(`${what}: Invalid value: "${raw}": must be at most 60s`);
  return ms;
}

/** A fraction in [0, 1] from "5%" or "5". */
export function parsePercent(raw: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(raw.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (!(n >= 0 && n <= 100)) throw new Error(`${what}: Invalid value: "${raw}": must be a percentage from 0% to 100%`);
  return n / 100;
}

export interface LatencySpec {
  delayMs: number;
  jitterMs: number;
  loss: number;
  /** The peers whose connections the delay proxy slows (a TARGET: component, service, Node); apiserver by default. */
  to?: string;
}

/** The `tc qdisc … netem` arguments for a spec. */
export function netemArgs(s: LatencySpec): string[] {
  const args = ['delay', `${s.delayMs}ms`];
  if (s.jitterMs > 0) args.push(`${s.jitterMs}ms`);
  if (s.loss > 0) args.push('loss', `${+(s.loss * 100).toFixed(3)}%`);
  return args;
}

export function describeLatency(s: LatencySpec): string {
  const parts = [
    s.delayMs > 0 ? `${s.delayMs}ms${s.jitterMs ? ` ±${s.jitterMs}ms` : ''} delay` : '',
    s.loss > 0 ? `${+(s.loss * 100).toFixed(3)}% loss` : '',
  ];
  return parts.filter(Boolean).join(', ') || 'nothing';
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_SKEW_MS = 366 * 86_400_000;

/** Signed milliseconds from a clock offset: "+90s", "-30s", "-2m", "1h30m" (no sign: ahead), "+1.5s". */
export function parseClockOffset(raw: string, what = 'OFFSET'): number {
  const bad = (why: string) => new Error(`${what}: Invalid value: "${raw}": ${why}`);
  const m = /^([+-]?)((?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+)$/.exec(raw.trim());
  if (!m) throw bad('must be a signed duration such as +90s, -2m or 1h30m');
  let ms = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) ms += Number(part[1]) * UNIT_MS[part[2]!]!;
  ms = Math.round(ms);
  if (ms === 0) throw bad('must not be zero (kubelab chaos heal removes a skew)');
  if (ms > MAX_SKEW_MS) throw bad('must be at most a year either way');
  return m[1] === '-' ? -ms : ms;
}

/** "+1m30s", "-2m", "+1h30m", "+1.5s": an offset as the CLI shows it. */
export function formatClockOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let left = Math.abs(ms);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
  }
  if (left) parts.push(`${left / 1000}s`);
  return `${sign}${parts.join('') || '0s'}`;
}
