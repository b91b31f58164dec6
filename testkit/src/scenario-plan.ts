/**
 * A scenario's schedule from its seed: when each step starts (an `at` range gets a time from the
 * seed), when each lasting fault is healed, and the number that picks each random target. The
 * same file and seed always give the same plan; the target itself is picked when its step runs,
 * from the candidates of that moment sorted by name, so the same lab gives the same picks.
 */
import type { Scenario } from './scenario.js';
import { describeTarget } from './scenario-fault.js';
import { seededRandom } from '@kubelab/client/seeded-random';

export { seededRandom };

export interface PlannedStep {
  index: number;
  atMs: number;
  /** Lasting faults with `for`: when to heal. */
  healAtMs?: number;
  /** Random targets: the draw in [0, 1) that picks among the sorted candidates. */
  pick?: number;
}

export interface PlanEvent {
  atMs: number;
  action: 'inject' | 'heal';
  step: number;
}

export interface Plan {
  seed: number;
  steps: PlannedStep[];
  /** Every injection and heal in time order (an injection before a heal at the same time, file order within each). */
  events: PlanEvent[];
}

export function planScenario(s: Scenario, seed: number): Plan {
  const next = seededRandom(seed);
  const steps = s.steps.map((st): PlannedStep => {
    const span = st.at.toMs - st.at.fromMs;
    const atMs = span > 0 ? st.at.fromMs + Math.floor(next() * (span + 1)) : st.at.fromMs;
    return {
      index: st.index,
      atMs,
      ...(st.forMs !== undefined ? { healAtMs: atMs + st.forMs } : {}),
      ...(st.fault.target.kind === 'random' ? { pick: next() } : {}),
    };
  });
  const events: PlanEvent[] = steps.flatMap((p) => [
    { atMs: p.atMs, action: 'inject' as const, step: p.index },
    ...(p.healAtMs !== undefined ? [{ atMs: p.healAtMs, action: 'heal' as const, step: p.index }] : []),
  ]);
  const order = { inject: 0, heal: 1 };
  events.sort((a, b) => a.atMs - b.atMs || order[a.action] - order[b.action] || a.step - b.step);
  return { seed, steps, events };
}

/** The candidate a draw picks, from candidates sorted by name. */
export function pickOne(candidates: readonly string[], draw: number): string | undefined {
  const sorted = [...candidates].sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(draw * sorted.length))];
}

/** One line per event: "   5.0s  step 1: pause kube-proxy", "  15.0s  step 1: heal". */
export function describePlan(s: Scenario, plan: Plan): string[] {
  return plan.events.map((e) => {
    const st = s.steps.find((x) => x.index === e.step)!;
    const t = st.fault.target;
    const what =
      e.action === 'heal'
        ? 'heal'
        : `${st.fault.text}${t.kind === 'random' ? ` (${describeTarget(t)}: draw ${plan.steps.find((p) => p.index === e.step)?.pick?.toFixed(3)} of the sorted candidates)` : ''}`;
    return `${`${(e.atMs / 1000).toFixed(1)}s`.padStart(7)}  step ${e.step}: ${what}`;
  });
}
