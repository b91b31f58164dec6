/** Schedule arithmetic of the CronJob controller, on the cron-parser library. */
import { CronExpressionParser } from 'cron-parser';

/** Upstream's robfig descriptors that cron-parser spells differently or lacks. */
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface Schedule {
  /** The first scheduled time strictly after `ms`. */
  next(ms: number): number;
}

/** Parses a 5-field schedule (or descriptor, or `@every <duration>`) in the given IANA zone (default UTC). */
export function parseSchedule(expr: string, timeZone?: string): Schedule {
  const spec = expr.trim();
  if (spec.startsWith('@every ')) {
    const every = parseGoDuration(spec.slice(7).trim());
    if (!every || every < 1000) throw new Error(`invalid @every duration: ${spec}`);
    const step = Math.ceil(every / 1000) * 1000;
    return { next: (ms) => Math.floor(ms / step) * step + step };
  }
  const cron = DESCRIPTORS[spec] ?? spec;
  if (cron.split(/\s+/).length !== 5)
    throw new Error(`expected exactly 5 fields, found ${cron.split(/\s+/).length}: [${cron}]`);
  // Validate once up front so errors surface at parse time.
  CronExpressionParser.parse(cron, { currentDate: new Date(0), tz: timeZone ?? 'UTC' });
  return {
    next(ms: number): number {
      const it = CronExpressionParser.parse(cron, { currentDate: new Date(ms), tz: timeZone ?? 'UTC' });
      return it.next().toDate().getTime();
    },
  };
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration subset ("1h30m", "90s"), in ms; undefined when invalid. */
export function parseGoDuration(s: string): number | undefined {
  const re = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    consumed = re.lastIndex;
  }
  return consumed === s.length && s.length > 0 ? total : undefined;
}

/**
 * Upstream's mostRecentScheduleTime: the latest scheduled time in (earliest, now], and how many
 * were missed in that window (counting stops at `cap`). undefined when none is due.
 */
export function mostRecentSchedule(
  schedule: Schedule,
  earliestMs: number,
  nowMs: number,
  cap = 101,
): { time: number; missed: number } | undefined {
  let t = schedule.next(earliestMs);
  if (t > nowMs) return undefined;
  let missed = 1;
  for (;;) {
    const n = schedule.next(t);
    if (n > nowMs) return { time: t, missed };
    t = n;
    missed++;
    if (missed >= cap) {
      // Jump close to now instead of walking every minute of a long outage.
      const back = schedule.next(nowMs - 60 * 60_000);
      if (back > t && back <= nowMs) t = back;
      let x = schedule.next(t);
      while (x <= nowMs) {
        t = x;
        x = schedule.next(t);
      }
      return { time: t, missed };
    }
  }
}
