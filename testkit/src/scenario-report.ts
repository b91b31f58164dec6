/**
 * The report of a scenario run, from the experiment's probe results and what each step did: per
 * step when it was injected and healed, per probe whether it held, its outages (each laid to the
 * last step injected before it began) and the recovery: from that step's heal (a kill's or
 * restart's injection: they heal by themselves) to the probe answering again.
 */
import type { ExperimentReport, ProbeResult } from './experiment.js';
import type { Scenario } from './scenario.js';
import { describeTarget, SELF_HEALING } from './scenario-fault.js';

/** What the runner saw of one step (times in ms since the run's start). */
export interface StepRecord {
  index: number;
  /** The target it acted on (a random one as picked). */
  target?: string;
  /** When the schedule had it (an `at` range: as the seed picked). */
  plannedAtMs?: number;
  injectedAtMs?: number;
  /** When the injection call returned (a kill: the container died; a restart: it runs again). */
  doneAtMs?: number;
  healedAtMs?: number;
  error?: string;
}

export interface StepReport extends StepRecord {
  fault: string;
  /** ms the lasting fault was on for (undefined for kill and restart). */
  lastedMs?: number;
}

export interface OutageReport {
  fromMs: number;
  /** When the probe passed again; undefined: it had not by the end. */
  toMs?: number;
  error: string;
  /** The step it is laid to (index in the file), when one was injected before it began. */
  step?: number;
  /** From that step's heal (a kill's or restart's injection) to toMs (0 when it answered again before the heal). */
  recoveryMs?: number;
}

export interface CheckReport {
  ok: boolean;
  error?: string;
}

export interface ProbeReport {
  name: string;
  must: 'recover' | 'hold';
  ok: boolean;
  start: CheckReport;
  end: CheckReport;
  checks: number;
  failures: number;
  outages: OutageReport[];
}

export interface ScenarioReport {
  name: string;
  seed: number;
  ok: boolean;
  /** 0 ok; 1 a probe failed, a step failed or a fault was left; 130 interrupted. */
  exitCode: number;
  interrupted: boolean;
  durationMs: number;
  steps: StepReport[];
  probes: ProbeReport[];
  /** Every fault of the lab healed at the end (heal --all), none left in its chaos.json. */
  healed: boolean;
  /** Faults still recorded after the final heal ("f3 pause scheduler"). */
  leftover: string[];
  /** Why the run stopped early, if it did. */
  error?: string;
}

export interface ReportInput {
  scenario: Scenario;
  seed: number;
  steps: StepRecord[];
  experiment: Pick<ExperimentReport, 'durationMs' | 'probes'>;
  leftover: string[];
  interrupted: boolean;
  error?: string;
}

const check = (r: ProbeResult | undefined): CheckReport => {
  const o = r?.outages.at(-1);
  return r?.held ? { ok: true } : { ok: false, ...(o ? { error: o.error } : {}) };
};

export function buildReport(i: ReportInput): ScenarioReport {
  const steps: StepReport[] = i.scenario.steps.map((s) => {
    const rec = i.steps.find((r) => r.index === s.index) ?? { index: s.index };
    const lasting = !SELF_HEALING.has(s.fault.verb);
    return {
      ...rec,
      fault: s.fault.text,
      ...(lasting && rec.injectedAtMs !== undefined && rec.healedAtMs !== undefined
        ? { lastedMs: rec.healedAtMs - rec.injectedAtMs }
        : {}),
    };
  });
  const injected = steps
    .filter((s) => s.injectedAtMs !== undefined)
    .sort((a, b) => a.injectedAtMs! - b.injectedAtMs! || a.index - b.index);
  const healRef = (s: StepReport): number | undefined =>
    SELF_HEALING.has(i.scenario.steps.find((x) => x.index === s.index)!.fault.verb) ? s.injectedAtMs : s.healedAtMs;
  // The experiment's probes come three per scenario probe: start, continuous, end.
  const probes = i.scenario.probes.map((spec, n): ProbeReport => {
    const [start, cont, end] = [0, 1, 2].map((k) => i.experiment.probes[3 * n + k]);
    const outages = (cont?.outages ?? []).map((o): OutageReport => {
      const cause = injected.filter((s) => s.injectedAtMs! <= o.from).at(-1);
      const ref = cause ? healRef(cause) : undefined;
      return {
        fromMs: o.from,
        ...(o.to !== undefined ? { toMs: o.to } : {}),
        error: o.error,
        ...(cause ? { step: cause.index } : {}),
        ...(o.to !== undefined && ref !== undefined ? { recoveryMs: Math.max(0, o.to - ref) } : {}),
      };
    });
    const s = check(start);
    const e = check(end);
    return {
      name: spec.name,
      must: spec.must,
      ok: s.ok && e.ok && (spec.must === 'recover' || outages.length === 0),
      start: s,
      end: e,
      checks: [start, cont, end].reduce((sum, r) => sum + (r?.checks ?? 0), 0),
      failures: [start, cont, end].reduce((sum, r) => sum + (r?.failures ?? 0), 0),
      outages,
    };
  });
  const healed = i.leftover.length === 0;
  const ok = !i.interrupted && !i.error && healed && steps.every((s) => !s.error) && probes.every((p) => p.ok);
  return {
    name: i.scenario.name,
    seed: i.seed,
    ok,
    exitCode: i.interrupted ? 130 : ok ? 0 : 1,
    interrupted: i.interrupted,
    durationMs: i.experiment.durationMs,
    steps,
    probes,
    healed,
    leftover: i.leftover,
    ...(i.error ? { error: i.error } : {}),
  };
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function formatScenarioReport(r: ScenarioReport, s: Scenario): string {
  const verdict = r.interrupted ? 'INTERRUPTED' : r.ok ? 'held' : 'BROKE';
  const lines = [`scenario "${r.name}" (seed ${r.seed}): ${verdict} in ${sec(r.durationMs)}`];
  if (r.error) lines.push(`  stopped early: ${r.error}`);
  for (const st of r.steps) {
    const spec = s.steps.find((x) => x.index === st.index)!;
    const picked =
      spec.fault.target.kind === 'random' && st.target ? ` (${describeTarget(spec.fault.target)}: ${st.target})` : '';
    const when =
      st.injectedAtMs === undefined
        ? 'not run'
        : `injected at ${sec(st.injectedAtMs)}${
            st.plannedAtMs !== undefined && st.injectedAtMs - st.plannedAtMs >= 500
              ? ` (planned ${sec(st.plannedAtMs)})`
              : ''
          }${
            SELF_HEALING.has(spec.fault.verb)
              ? ', heals by itself'
              : st.healedAtMs !== undefined
                ? `, healed at ${sec(st.healedAtMs)} (on for ${sec(st.lastedMs ?? 0)})`
                : ', not healed'
          }`;
    lines.push(`  step ${st.index} ${spec.fault.text}${picked}: ${st.error ? `FAILED: ${st.error}` : when}`);
  }
  const verbOf = (i: number | undefined) => s.steps.find((x) => x.index === i)?.fault.verb;
  const selfHealing = (i: number | undefined) => {
    const v = verbOf(i);
    return v !== undefined && SELF_HEALING.has(v);
  };
  for (const p of r.probes) {
    const head = `  probe ${p.name} [must ${p.must}]: ${p.ok ? 'held' : 'BROKE'}, ${p.failures}/${p.checks} checks failed`;
    const parts: string[] = [];
    if (!p.start.ok) parts.push(`failed at the start (${p.start.error ?? 'no answer'})`);
    for (const o of p.outages) {
      const after = o.step !== undefined ? ` after step ${o.step}` : '';
      const rec =
        o.toMs === undefined
          ? 'not answering again by the end'
          : o.recoveryMs !== undefined
            ? `answering again ${sec(o.recoveryMs)} after ${selfHealing(o.step) ? `the ${verbOf(o.step)}` : 'its heal'}`
            : 'answering again';
      parts.push(`broke ${sec(o.fromMs)}–${o.toMs !== undefined ? sec(o.toMs) : 'end'}${after} (${o.error}), ${rec}`);
    }
    if (!p.end.ok) parts.push(`failed at the end (${p.end.error ?? 'no answer'})`);
    lines.push(parts.length ? `${head}:` : `${head}, never broke`);
    for (const part of parts) lines.push(`    ${part}`);
  }
  lines.push(
    r.healed ? '  every fault healed' : `  NOT HEALED: still recorded after heal --all: ${r.leftover.join('; ')}`,
  );
  return lines.join('\n');
}
