/** Parsing the arguments of `kubelab chaos latency`: durations ("200ms", "1s") and percentages ("5%"). */

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
