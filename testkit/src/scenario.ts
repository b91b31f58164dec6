/**
 * A chaos scenario file (`kubelab chaos run FILE`): a named, seeded, timed list of faults and the
 * probes that watch the lab meanwhile. Parsed from YAML and validated as a whole: every mistake is
 * reported with its field path and line (`scenario.yaml:9: steps[1].fault: Invalid value: …`).
 *
 *   name: kill-the-control-plane
 *   seed: 42                 # optional; the same seed gives the same schedule (random targets, at ranges)
 *   duration: 60s            # optional: the run lasts this long (every step must fit in it)
 *   recover: 60s             # optional: how long the probes get to pass again after the last heal
 *   probes:
 *     - http: {url: http://127.0.0.1:30080/}
 *       name: web            # optional; must: recover (default: may break, must pass at start and end) or hold
 *     - deployment: {name: web, namespace: default}
 *   steps:
 *     - {at: 0s, fault: kill scheduler}
 *     - {at: 5s, fault: pause kube-proxy, for: 10s}
 *     - {at: 20s..30s, fault: kill random node}
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { SELF_HEALING, parseFault, type FaultSpec } from './scenario-fault.js';

export interface ProbeSpec {
  name: string;
  /** recover: may break while faults act, must pass at the start and again at the end; hold: must never fail. */
  must: 'recover' | 'hold';
  intervalMs: number;
  http?: { url: string; status: number; timeoutMs: number };
  deployment?: { name: string; namespace: string };
}

export interface StepSpec {
  /** Its position in the file (0-based, as in steps[0]). */
  index: number;
  /** When it starts, ms from the start of the run: one value, or a range the seed picks from. */
  at: { fromMs: number; toMs: number };
  /** Lasting faults: healed this long after injection (else they last until the end of the run). */
  forMs?: number;
  fault: FaultSpec;
}

export interface Scenario {
  name: string;
  seed?: number;
  durationMs?: number;
  recoverMs: number;
  probes: ProbeSpec[];
  steps: StepSpec[];
}

export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

type Path = (string | number)[];
const showPath = (p: Path): string =>
  p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds from "500ms", "10s", "1.5m", "1m30s" (a bare 0 too). */
export function parseScenarioDuration(raw: string): number | undefined {
  const s = raw.trim();
  if (s === '0') return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
  return Math.round(ms);
}

const TOP = ['name', 'seed', 'duration', 'recover', 'probes', 'steps'];
const PROBE = ['name', 'must', 'interval', 'http', 'deployment'];
const STEP = ['at', 'fault', 'for'];

/** Parses and validates a scenario; throws ScenarioError listing every problem. */
export function parseScenario(text: string, file = 'scenario'): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new ScenarioError(
      doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  const problems: string[] = [];
  // The line of the field, or of the nearest enclosing one that is there (a missing field: its mapping's).
  const at = (p: Path): string => {
    let node: YamlNode | null | undefined;
    for (let n = p.length; n > 0 && !node; n--) node = doc.getIn(p.slice(0, n), true) as YamlNode | undefined;
    node ??= doc.contents as YamlNode | null;
    const line = node?.range ? lines.linePos(node.range[0]).line : undefined;
    return `${file}${line ? `:${line}` : ''}`;
  };
  const fail = (p: Path, why: string): undefined => {
    problems.push(`${at(p)}: ${showPath(p)}: ${why}`);
    return undefined;
  };
  const invalid = (p: Path, v: unknown, why: string): undefined =>
    fail(p, `Invalid value: ${JSON.stringify(v)}: ${why}`);
  const v = new Reader(doc, fail, invalid);

  if (!isMap(doc.contents)) {
    throw new ScenarioError([`${file}: want a mapping with name, probes and steps (see kubelab chaos run --help)`]);
  }
  v.fields([], TOP);
  const name = v.str(['name'], true) ?? '';
  if (name && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name))
    invalid(['name'], name, 'must be a lowercase name of letters, digits, "-" and "." (e.g. kill-the-scheduler)');
  const seed = v.int(['seed'], 0, 2 ** 32 - 1);
  const durationMs = v.duration(['duration']);
  const recoverMs = v.duration(['recover']) ?? 60_000;
  const probes = v.list(['probes']).map((i) => probe(v, ['probes', i]));
  const steps = v.list(['steps'], true).map((i) => step(v, ['steps', i], i));
  const names = new Map<string, number>();
  probes.forEach((p, i) => {
    if (!p) return;
    if (names.has(p.name)) invalid(['probes', i, 'name'], p.name, `probes[${names.get(p.name)}] has this name too`);
    names.set(p.name, i);
  });
  if (durationMs !== undefined)
    for (const s of steps) {
      if (!s) continue;
      const end = s.at.toMs + (s.forMs ?? 0);
      if (end > durationMs)
        fail(
          ['steps', s.index],
          `ends at ${end / 1000}s, after duration ${durationMs / 1000}s: make it earlier or shorter, or the duration longer`,
        );
    }
  if (problems.length > 0) throw new ScenarioError(problems);
  return {
    name,
    ...(seed !== undefined ? { seed } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    recoverMs,
    probes: probes as ProbeSpec[],
    steps: steps as StepSpec[],
  };
}

function probe(v: Reader, p: Path): ProbeSpec | undefined {
  if (!v.fields(p, PROBE)) return undefined;
  const kinds = ['http', 'deployment'].filter((k) => v.has([...p, k]));
  if (kinds.length !== 1) {
    v.fail(
      p,
      kinds.length ? `Invalid value: both ${kinds.join(' and ')}: one kind a probe` : 'want http or deployment',
    );
    return undefined;
  }
  const mustRaw = v.str([...p, 'must']) ?? 'recover';
  if (mustRaw !== 'recover' && mustRaw !== 'hold')
    v.invalid([...p, 'must'], mustRaw, 'want recover (may break, must answer at the end) or hold (must never fail)');
  const must = mustRaw === 'hold' ? 'hold' : 'recover';
  const intervalMs = v.duration([...p, 'interval']) ?? 500;
  if (kinds[0] === 'http') {
    const q = [...p, 'http'];
    if (!v.fields(q, ['url', 'status', 'timeout'])) return undefined;
    const url = v.str([...q, 'url'], true);
    if (url !== undefined && !/^http:\/\/[^/\s]+(\/\S*)?$/.test(url))
      v.invalid([...q, 'url'], url, 'must be an http:// URL, e.g. http://127.0.0.1:30080/');
    const status = v.int([...q, 'status'], 100, 599) ?? 200;
    const timeoutMs = v.duration([...q, 'timeout']) ?? 2000;
    return url === undefined
      ? undefined
      : { name: v.str([...p, 'name']) ?? url, must, intervalMs, http: { url, status, timeoutMs } };
  }
  const q = [...p, 'deployment'];
  if (!v.fields(q, ['name', 'namespace'])) return undefined;
  const name = v.str([...q, 'name'], true);
  const namespace = v.str([...q, 'namespace']) ?? 'default';
  return name === undefined
    ? undefined
    : {
        name: v.str([...p, 'name']) ?? `deployment ${namespace}/${name}`,
        must,
        intervalMs,
        deployment: { name, namespace },
      };
}

function step(v: Reader, p: Path, index: number): StepSpec | undefined {
  if (!v.fields(p, STEP)) return undefined;
  const atRaw = v.str([...p, 'at'], true);
  let at: StepSpec['at'] | undefined;
  if (atRaw !== undefined) {
    const [a, b, extra] = atRaw.split('..');
    const fromMs = parseScenarioDuration(a ?? '');
    const toMs = b === undefined ? fromMs : parseScenarioDuration(b);
    if (fromMs === undefined || toMs === undefined || extra !== undefined)
      v.invalid([...p, 'at'], atRaw, 'must be a duration such as 5s, or a range such as 5s..10s (the seed picks)');
    else if (toMs < fromMs) v.invalid([...p, 'at'], atRaw, 'the range ends before it starts');
    else at = { fromMs, toMs };
  }
  const forMs = v.duration([...p, 'for']);
  const faultRaw = v.str([...p, 'fault'], true);
  let fault: FaultSpec | undefined;
  if (faultRaw !== undefined) {
    try {
      fault = parseFault(faultRaw);
    } catch (err) {
      v.fail([...p, 'fault'], (err as Error).message);
    }
  }
  if (fault && forMs !== undefined && SELF_HEALING.has(fault.verb))
    v.invalid(
      [...p, 'for'],
      v.raw([...p, 'for']),
      `${fault.verb} heals by itself (the restart policy brings the container back): for goes with stop, pause, partition, latency and loss`,
    );
  if (!at || !fault) return undefined;
  return { index, at, ...(forMs !== undefined ? { forMs } : {}), fault };
}

/** Typed reads of the document's fields, each reporting what is wrong at its path. */
class Reader {
  constructor(
    private readonly doc: Document,
    readonly fail: (p: Path, why: string) => undefined,
    readonly invalid: (p: Path, v: unknown, why: string) => undefined,
  ) {}

  has(p: Path): boolean {
    return this.doc.hasIn(p);
  }

  raw(p: Path): unknown {
    const n = this.doc.getIn(p, true);
    return isScalar(n) ? n.value : (n as YamlNode | undefined)?.toJSON();
  }

  /** The mapping at p has only these keys (false, reported, when it is not a mapping). */
  fields(p: Path, allowed: string[]): boolean {
    const n = p.length ? this.doc.getIn(p, true) : this.doc.contents;
    if (!isMap(n)) {
      this.fail(p, `want a mapping with ${allowed.join(', ')}`);
      return false;
    }
    for (const item of n.items) {
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      if (!allowed.includes(key)) this.fail([...p, key], `unknown field, want one of ${allowed.join('|')}`);
    }
    return true;
  }

  str(p: Path, required = false): string | undefined {
    if (!this.has(p)) return required ? this.fail(p, 'Required value') : undefined;
    const v = this.raw(p);
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number') return String(v);
    return this.invalid(p, v, 'must be a non-empty string');
  }

  int(p: Path, min: number, max: number): number | undefined {
    if (!this.has(p)) return undefined;
    const v = this.raw(p);
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    return this.invalid(p, v, `must be an integer from ${min} to ${max}`);
  }

  duration(p: Path): number | undefined {
    if (!this.has(p)) return undefined;
    const v = this.raw(p);
    const ms = typeof v === 'string' ? parseScenarioDuration(v) : v === 0 ? 0 : undefined;
    return ms ?? this.invalid(p, v, 'must be a duration such as 500ms, 10s or 1m30s');
  }

  /** The indices of the list at p (reported when it is not a list; required: and not empty). */
  list(p: Path, required = false): number[] {
    if (!this.has(p)) return required ? (this.fail(p, 'Required value: at least one'), []) : [];
    const n = this.doc.getIn(p, true);
    if (!isSeq(n)) return (this.fail(p, 'must be a list'), []);
    if (required && n.items.length === 0) return (this.fail(p, 'Required value: at least one'), []);
    return n.items.map((_, i) => i);
  }
}
