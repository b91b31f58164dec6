/**
 * Syntax check of a standard 5-field cron schedule (minute hour day-of-month month day-of-week)
 * or a descriptor (@hourly, @every 1h, …), with the messages of upstream's parser (robfig/cron).
 * Only validation: the controller-manager computes schedule times with a cron library.
 */

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Bounds {
  min: number;
  max: number;
  names?: string[];
  /** Offset of names[0] (months start at 1). */
  nameBase?: number;
}

const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { min: 0, max: 6, names: DAYS, nameBase: 0 },
];

function parseValue(s: string, b: Bounds): number {
  const idx = b.names?.indexOf(s.toLowerCase()) ?? -1;
  if (idx >= 0) return idx + (b.nameBase ?? 0);
  if (!/^\d+$/.test(s))
    throw new Error(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

function checkRange(expr: string, b: Bounds): void {
  const [rangeAndStep, ...rest] = expr.split('/');
  if (rest.length > 1) throw new Error(`too many slashes: ${expr}`);
  const lowAndHigh = rangeAndStep!.split('-');
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    if (lowAndHigh.length > 1) throw new Error(`too many hyphens: ${expr}`);
  } else {
    start = parseValue(lowAndHigh[0]!, b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseValue(lowAndHigh[1]!, b);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  if (rest.length === 1) {
    const step = parseValue(rest[0]!, { min: 0, max: 0 });
    if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  }
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
}

const DURATION_RE = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** The parser's error message for a schedule, or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  const spec = schedule.trim();
  if (spec === '') return 'empty spec string';
  try {
    if (spec.startsWith('@')) {
      if (DESCRIPTORS.includes(spec)) return undefined;
      if (spec.startsWith('@every ')) {
        const d = spec.slice('@every '.length).trim();
        if (!DURATION_RE.test(d))
          return `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(d)}`;
        return undefined;
      }
      return `unrecognized descriptor: ${spec}`;
    }
    const fields = spec.split(/\s+/);
    if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
    fields.forEach((f, i) => {
      for (const part of f.split(',')) checkRange(part, FIELDS[i]!);
    });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
