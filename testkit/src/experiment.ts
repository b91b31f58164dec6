/**
 * An experiment: probes run around faults, and a report of what held, what broke, when, and how
 * long recovery took (from the fault's injection to the last failure of each continuous probe).
 *
 *   const x = await startExperiment('kubelet killed', [httpProbe('web answers', url)]);
 *   const f = await x.inject(lab, { kind: 'kill', target: 'kubelet' });
 *   await waitFor(...); await f.heal();
 *   const report = await x.finish();   // runs the end probes; report.ok, report.text
 */
import { describeFault, type Fault, type FaultHandle } from './fault.js';
import type { Probe } from './probes.js';
import type { TestLab } from './lab.js';

export interface ProbeResult {
  name: string;
  mode: Probe['mode'];
  checks: number;
  failures: number;
  /** Failure windows: [first failing check, first passing check after it) in ms since the start. */
  outages: { from: number; to?: number; error: string }[];
  /** start/end probes: whether it passed; continuous: whether it passed at the end. */
  held: boolean;
}

export interface ExperimentReport {
  name: string;
  ok: boolean;
  durationMs: number;
  faults: { what: string; at: number; healedAt?: number }[];
  probes: ProbeResult[];
  /** ms from the first fault to the end of the last outage of any continuous probe (0 when none broke). */
  recoveryMs: number;
  text: string;
}

async function passes(p: Probe): Promise<string | undefined> {
  try {
    return (await p.check()) === false ? 'returned false' : undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export interface Experiment {
  /** When it started (ms since the epoch): the report's times count from here. */
  readonly startedAt: number;
  inject(lab: TestLab, fault: Fault): Promise<FaultHandle>;
  finish(): Promise<ExperimentReport>;
}

/** The probe loops of experiments not finished yet, for stopExperiments(). */
const running = new Set<AbortController>();

/** Stops the continuous probes of every unfinished experiment (call it in an afterEach: a failed test never reaches finish()). */
export function stopExperiments(): void {
  for (const ac of running) ac.abort();
  running.clear();
}

export interface ExperimentOptions {
  /** Called after every check of every probe (error undefined when it passed; atMs since the start), e.g. for progress lines. */
  onCheck?(probe: Probe, error: string | undefined, atMs: number): void;
}

export async function startExperiment(name: string, probes: Probe[], o: ExperimentOptions = {}): Promise<Experiment> {
  const t0 = Date.now();
  const results = new Map(
    probes.map((p) => [
      p,
      { name: p.name, mode: p.mode, checks: 0, failures: 0, outages: [], held: true } as ProbeResult,
    ]),
  );
  const record = (p: Probe, error: string | undefined): void => {
    const r = results.get(p)!;
    const now = Date.now() - t0;
    r.checks++;
    const open = r.outages.at(-1);
    if (error) {
      r.failures++;
      if (!open || open.to !== undefined) r.outages.push({ from: now, error });
    } else if (open && open.to === undefined) open.to = now;
    r.held = !error;
    o.onCheck?.(p, error, now);
  };
  for (const p of probes.filter((p) => p.mode === 'start')) record(p, await passes(p));
  const ac = new AbortController();
  running.add(ac);
  const loops = probes
    .filter((p) => p.mode === 'continuous')
    .map(async (p) => {
      while (!ac.signal.aborted) {
        record(p, await passes(p));
        await new Promise((r) => setTimeout(r, p.intervalMs ?? 500));
      }
    });
  const handles: FaultHandle[] = [];
  return {
    startedAt: t0,
    async inject(lab, fault) {
      const h = await lab.inject(fault);
      handles.push(h);
      return h;
    },
    async finish() {
      ac.abort();
      running.delete(ac);
      await Promise.all(loops);
      // "At the end" means now: a continuous probe whose last sample (up to an interval old)
      // failed is checked once more, or a recovery seen just before finish() counts as broken.
      for (const p of probes.filter((p) => p.mode === 'continuous' && !results.get(p)!.held))
        record(p, await passes(p));
      for (const p of probes.filter((p) => p.mode === 'end')) record(p, await passes(p));
      const list = [...results.values()];
      const firstFault = handles[0] ? handles[0].at - t0 : 0;
      const ends = list
        .filter((r) => r.mode === 'continuous')
        .flatMap((r) => r.outages.map((o) => o.to ?? Date.now() - t0));
      const recoveryMs = ends.length ? Math.max(0, Math.max(...ends) - firstFault) : 0;
      const ok = list.every((r) => r.held);
      const report = {
        name,
        ok,
        durationMs: Date.now() - t0,
        faults: handles.map((h) => ({
          what: describeFault(h.fault),
          at: h.at - t0,
          ...(h.healedAt ? { healedAt: h.healedAt - t0 } : {}),
        })),
        probes: list,
        recoveryMs,
        text: '',
      };
      report.text = formatReport(report);
      return report;
    },
  };
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function formatReport(r: Omit<ExperimentReport, 'text'>): string {
  const lines = [
    `experiment "${r.name}": ${r.ok ? 'held' : 'BROKE'} (${s(r.durationMs)}; recovery ${s(r.recoveryMs)} after the first fault)`,
  ];
  for (const f of r.faults)
    lines.push(`  fault ${f.what} at ${s(f.at)}${f.healedAt !== undefined ? `, healed at ${s(f.healedAt)}` : ''}`);
  for (const p of r.probes) {
    const outages = p.outages
      .map((o) => `${s(o.from)}–${o.to !== undefined ? s(o.to) : 'end'} (${o.error})`)
      .join('; ');
    lines.push(
      `  probe ${p.name} [${p.mode}]: ${p.held ? 'held' : 'BROKE'}, ${p.failures}/${p.checks} checks failed${outages ? `: ${outages}` : ''}`,
    );
  }
  return lines.join('\n');
}
