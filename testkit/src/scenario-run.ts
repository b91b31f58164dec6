/**
 * Runs a scenario against a lab: its probes as an experiment (checked at the start, continuously
 * and at the end), each fault at its offset through the testkit's faults, each lasting one healed
 * after its `for`, then everything healed (heal --all, also when interrupted or when a step
 * failed), the probes given `recover` to pass again, and the report.
 */
import { randomInt } from 'node:crypto';
import { startExperiment } from './experiment.js';
import type { FaultHandle } from './fault.js';
import type { TestLab } from './lab.js';
import { customProbe, deploymentAvailable, httpAnswers, type Probe } from './probes.js';
import type { ProbeSpec, Scenario, StepSpec } from './scenario.js';
import { describeTarget, type TargetSpec } from './scenario-fault.js';
import { pickOne, planScenario } from './scenario-plan.js';
import { buildReport, type ScenarioReport, type StepRecord } from './scenario-report.js';
import { waitFor } from './wait.js';

export interface RunOptions {
  /** Overrides the file's seed (neither: a random one, printed). */
  seed?: number;
  /** Progress lines ("[  5.0s] inject pause kube-proxy"). */
  log(line: string): void;
  /** Aborting it (Ctrl-C) stops the schedule; what was injected is healed and reported. */
  signal?: AbortSignal;
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function sleepUntil(when: number, signal?: AbortSignal): Promise<void> {
  const ms = when - Date.now();
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function probeCheck(lab: TestLab, p: ProbeSpec): () => Promise<unknown> {
  if (p.http) return httpAnswers(p.http.url, { status: p.http.status, timeoutMs: p.http.timeoutMs });
  const d = p.deployment!;
  return deploymentAvailable(lab.client, d.name, 'continuous', d.namespace).check;
}

async function resolveTarget(lab: TestLab, t: TargetSpec, pick: number | undefined): Promise<string> {
  if (t.kind === 'named') return t.name;
  let candidates: string[];
  if (t.among === 'pod') {
    const pods = await lab.client.pods(t.namespace, t.selector);
    candidates = pods
      .filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running')
      .map((p) => `pod/${t.namespace}/${p.metadata.name}`);
  } else {
    const { services, nodes } = await lab.chaos.listTargets();
    candidates = t.among === 'node' ? nodes : services;
  }
  const picked = pickOne(candidates, pick ?? 0);
  if (!picked) throw new Error(`${describeTarget(t)}: nothing to pick from in lab ${lab.project}`);
  return picked;
}

export async function runScenario(lab: TestLab, s: Scenario, o: RunOptions): Promise<ScenarioReport> {
  const seed = o.seed ?? s.seed ?? randomInt(2 ** 32 - 1);
  const plan = planScenario(s, seed);
  let t0 = Date.now();
  const stamp = (ms = Date.now() - t0) => `[${(ms / 1000).toFixed(1).padStart(6)}s]`;
  const log = (line: string, ms?: number) => o.log(`${stamp(ms)} ${line}`);
  o.log(
    `scenario "${s.name}": ${s.steps.length} step(s), ${s.probes.length} probe(s), seed ${seed} (--seed ${seed} repeats this schedule) on lab ${lab.project}`,
  );

  // Each scenario probe is three probes of the experiment: at the start, continuously, at the end.
  const specOf = new Map<Probe, ProbeSpec>();
  const probes = s.probes.flatMap((p) => {
    const check = probeCheck(lab, p);
    const three = (['start', 'continuous', 'end'] as const).map((mode) =>
      customProbe(p.name, mode, check, mode === 'continuous' ? p.intervalMs : undefined),
    );
    for (const q of three) specOf.set(q, p);
    return three;
  });
  const failing = new Map<ProbeSpec, number>();
  const startFailures: string[] = [];
  const onCheck = (probe: Probe, error: string | undefined, atMs: number) => {
    const spec = specOf.get(probe)!;
    if (probe.mode === 'start') {
      if (error) startFailures.push(`${spec.name}: ${error}`);
      return;
    }
    if (probe.mode === 'end') return;
    const since = failing.get(spec);
    if (error && since === undefined) {
      failing.set(spec, atMs);
      log(`probe ${spec.name}: broke (${error})`, atMs);
    } else if (!error && since !== undefined) {
      failing.delete(spec);
      log(`probe ${spec.name}: answering again (down ${((atMs - since) / 1000).toFixed(1)}s)`, atMs);
    }
  };
  const x = await startExperiment(s.name, probes, { onCheck });
  t0 = x.startedAt;
  log(
    startFailures.length
      ? `probes failed at the start: ${startFailures.join('; ')}: no fault injected`
      : `probes pass at the start: ${s.probes.map((p) => p.name).join(', ') || '(none)'}`,
  );

  const records = new Map<number, StepRecord>();
  const handles = new Map<number, FaultHandle>();
  let error: string | undefined = startFailures.length ? 'probes failed at the start' : undefined;
  // Stops the schedule: Ctrl-C, or a step that failed.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (error || o.signal?.aborted) stop.abort();
  // Each step on its own timer, so that a slow injection (a kill waits for the container to die)
  // delays no other; `for` counts from the step's own injection.
  const runStep = async (st: StepSpec, pick: number | undefined, atMs: number): Promise<void> => {
    await sleepUntil(t0 + atMs, stop.signal);
    if (stop.signal.aborted) return;
    const rec: StepRecord = { index: st.index, plannedAtMs: atMs, injectedAtMs: Date.now() - t0 };
    records.set(st.index, rec);
    try {
      rec.target = await resolveTarget(lab, st.fault.target, pick);
      log(`step ${st.index}: ${st.fault.verb} ${rec.target}${st.forMs ? ` for ${st.forMs / 1000}s` : ''}`);
      const h = await x.inject(lab, st.fault.make(rec.target));
      rec.injectedAtMs = h.at - t0;
      rec.doneAtMs = Date.now() - t0;
      handles.set(st.index, h);
      if (st.forMs === undefined) return;
      await sleepUntil(h.at + st.forMs, stop.signal);
      if (stop.signal.aborted) return; // healed with the rest below
      await h.heal();
      rec.healedAtMs = (h.healedAt ?? Date.now()) - t0;
      log(`step ${st.index}: healed ${st.fault.verb} ${rec.target} (on for ${sec(rec.healedAtMs - rec.injectedAtMs)})`);
    } catch (err) {
      rec.error = (err as Error).message;
      error ??= `step ${st.index} (${st.fault.text}) failed: ${rec.error}`;
      log(`step ${st.index} (${st.fault.text}) failed: ${rec.error}`);
      stop.abort();
    }
  };
  let leftover: string[] = [];
  try {
    await Promise.all(plan.steps.map((p) => runStep(s.steps.find((st) => st.index === p.index)!, p.pick, p.atMs)));
    // The end of the run: after `duration`, else now; faults without `for` last until here.
    if (s.durationMs !== undefined) await sleepUntil(t0 + s.durationMs, stop.signal);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    leftover = await healEverything(lab, s, handles, records, t0, log);
  }

  if (!o.signal?.aborted && s.probes.length > 0 && startFailures.length === 0) {
    const checks = s.probes.map((p) => ({ p, check: probeCheck(lab, p) }));
    log(`waiting up to ${s.recoverMs / 1000}s for every probe to pass`);
    await waitFor(
      async () => {
        for (const c of checks) await c.check();
        return true;
      },
      { timeout: s.recoverMs, interval: 500, what: 'every probe passing' },
    ).catch((err: Error) => log(err.message));
  }
  const r = await x.finish();
  return buildReport({
    scenario: s,
    seed,
    steps: [...records.values()],
    experiment: r,
    leftover,
    interrupted: !!o.signal?.aborted,
    ...(error ? { error } : {}),
  });
}

/** Heals the run's faults still on (recording when), then every other fault of the lab (heal --all); returns what is left. */
async function healEverything(
  lab: TestLab,
  s: Scenario,
  handles: Map<number, FaultHandle>,
  records: Map<number, StepRecord>,
  t0: number,
  log: (line: string) => void,
): Promise<string[]> {
  for (const [index, h] of handles) {
    if (h.healedAt !== undefined || h.fault.kind === 'kill' || h.fault.kind === 'restart') continue;
    try {
      await h.heal();
      const rec = records.get(index)!;
      rec.healedAtMs = h.healedAt! - t0;
      log(`step ${index}: healed ${s.steps.find((x) => x.index === index)!.fault.verb} ${rec.target} at the end`);
    } catch (err) {
      log(`step ${index}: heal failed: ${(err as Error).message}`);
    }
  }
  try {
    const rest = await lab.chaos.heal();
    if (rest.length) log(`heal --all: healed ${rest.map((f) => `${f.id} (${f.kind} ${f.target})`).join(', ')}`);
  } catch (err) {
    log(`heal --all failed: ${(err as Error).message}`);
  }
  const left = await lab.chaos.faults().catch(() => []);
  return left.map((f) => `${f.id} ${f.kind} ${f.target}`);
}
