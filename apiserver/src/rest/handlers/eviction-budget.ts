/**
 * Whether a PodDisruptionBudget allows evicting a pod, decided as upstream's eviction subresource
 * does, from the budget's status (which the disruption controller computes): each allowed eviction
 * takes one of status.disruptionsAllowed and records the pod in status.disruptedPods, written with
 * the budget's resourceVersion, so two evictions at once cannot both spend the last one.
 */
import { rfc3339, type PodDisruptionBudget, type Pod } from '@kubelab/api';

/** Upstream's cap on status.disruptedPods. */
export const MAX_DISRUPTED_PODS = 2000;

export type BudgetDecision =
  /** Delete without touching the budget (unhealthy pod the policy lets go). */
  | { kind: 'allow' }
  /** Delete after writing this status. */
  | { kind: 'spend'; status: PodDisruptionBudget['status'] }
  /** 429 TooManyRequests with this cause (and a Retry-After, which clients wait out by themselves). */
  | { kind: 'refuse'; message: string; retryAfterSeconds?: number }
  /** 403 Forbidden. */
  | { kind: 'forbid'; message: string };

export function isPodReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Pods no budget protects: finished, never started, or already being deleted. */
export function ignoresBudgets(p: Pod): boolean {
  const phase = p.status?.phase;
  return !!p.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
}

export function decide(pod: Pod, pdb: PodDisruptionBudget, now: number): BudgetDecision {
  const name = pdb.metadata.name ?? '';
  const status = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  if (!isPodReady(pod)) {
    if (pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return { kind: 'allow' };
    // IfHealthyBudget: an unready pod may go while the budget is met.
    if (
      (pdb.status?.observedGeneration ?? 0) >= (pdb.metadata.generation ?? 1) &&
      status.currentHealthy >= status.desiredHealthy &&
      status.desiredHealthy > 0
    )
      return { kind: 'allow' };
  }
  if ((pdb.status?.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1))
    return {
      kind: 'refuse',
      message: `The disruption budget ${name} is still being processed by the server.`,
      retryAfterSeconds: 10,
    };
  if (status.disruptionsAllowed < 0) return { kind: 'forbid', message: 'pdb disruptions allowed is negative' };
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS)
    return {
      kind: 'forbid',
      message: 'DisruptedPods map too big - too many evictions not confirmed by PDB controller',
    };
  if (status.disruptionsAllowed === 0)
    return {
      kind: 'refuse',
      message: `The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
    };
  const next = structuredClone(status);
  next.disruptionsAllowed -= 1;
  next.disruptedPods = { ...(next.disruptedPods ?? {}), [pod.metadata.name ?? '']: rfc3339(now) };
  if (next.disruptionsAllowed === 0) {
    const conds = (next.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed');
    conds.push({
      type: 'DisruptionAllowed',
      status: 'False',
      reason: 'InsufficientPods',
      message: '',
      lastTransitionTime: rfc3339(now),
      observedGeneration: pdb.metadata.generation ?? 1,
    });
    next.conditions = conds;
  }
  return { kind: 'spend', status: next };
}
