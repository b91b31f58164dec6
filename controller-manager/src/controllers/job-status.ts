/** Pure parts of the Job controller: pod accounting, back-off, conditions and the status to write. */
import type { Job, JobCondition, JobStatus, Pod } from '@kubelab/api';
import { isPodReady } from '../util/pods.js';

/** Upstream's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;

export interface PodCounts {
  /** Not terminal and not being deleted. */
  active: Pod[];
  /** Being deleted and not yet terminal. */
  terminating: Pod[];
  succeeded: Pod[];
  failed: Pod[];
}

export function classifyPods(pods: Pod[]): PodCounts {
  const c: PodCounts = { active: [], terminating: [], succeeded: [], failed: [] };
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase === 'Succeeded') c.succeeded.push(p);
    else if (phase === 'Failed') c.failed.push(p);
    else if (p.metadata.deletionTimestamp) c.terminating.push(p);
    else c.active.push(p);
  }
  return c;
}

/** When a pod finished: the latest container finishedAt, else its Ready condition's last change. */
export function finishedAt(pod: Pod): number | undefined {
  let latest: number | undefined;
  for (const cs of pod.status?.containerStatuses ?? []) {
    const t = cs.state?.terminated?.finishedAt;
    if (t) latest = Math.max(latest ?? 0, Date.parse(t));
  }
  if (latest !== undefined) return latest;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
  return ready ? Date.parse(ready) : undefined;
}

/**
 * Upstream's back-off before a replacement pod: 10s doubled per failure (counting container
 * restarts under OnFailure), capped at 6 minutes, from the last failure. 0 when none is due.
 */
export function backoffRemainingMs(failures: number, lastFailureMs: number | undefined, nowMs: number): number {
  if (failures <= 0 || lastFailureMs === undefined) return 0;
  const delay = Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF_MS);
  return Math.max(0, lastFailureMs + delay - nowMs);
}

/** Container restarts of the active pods (they count as failures when restartPolicy is OnFailure). */
export function restartsOf(pods: Pod[]): number {
  let n = 0;
  for (const p of pods) for (const cs of p.status?.containerStatuses ?? []) n += cs.restartCount ?? 0;
  return n;
}

export function condition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** Sets (or refreshes) a condition; lastTransitionTime changes only when the status does. */
export function setCondition(
  conditions: JobCondition[],
  c: Omit<JobCondition, 'lastProbeTime' | 'lastTransitionTime'>,
  nowIso: string,
): JobCondition[] {
  const out = conditions.filter((x) => x.type !== c.type);
  const old = conditions.find((x) => x.type === c.type);
  const keepTime = old && old.status === c.status;
  const next: JobCondition = {
    type: c.type,
    status: c.status,
    lastProbeTime: nowIso,
    lastTransitionTime: keepTime ? (old.lastTransitionTime ?? nowIso) : nowIso,
  };
  if (c.reason) next.reason = c.reason;
  if (c.message) next.message = c.message;
  if (old) out.splice(conditions.indexOf(old), 0, next);
  else out.push(next);
  return out;
}

/** The status to write: counts, ready/terminating, times and conditions (zero counts omitted like upstream). */
export function buildStatus(
  prev: JobStatus | undefined,
  counts: { active: number; ready: number; terminating: number; succeeded: number; failed: number },
  extra: Partial<JobStatus>,
): JobStatus {
  const s: JobStatus = {};
  if (extra.conditions && extra.conditions.length > 0) s.conditions = extra.conditions;
  const startTime = extra.startTime ?? prev?.startTime;
  if (startTime) s.startTime = startTime;
  const completionTime = extra.completionTime ?? prev?.completionTime;
  if (completionTime) s.completionTime = completionTime;
  if (counts.active) s.active = counts.active;
  if (counts.succeeded) s.succeeded = counts.succeeded;
  if (counts.failed) s.failed = counts.failed;
  s.terminating = counts.terminating;
  s.uncountedTerminatedPods = {};
  s.ready = counts.ready;
  return s;
}

export const readyCount = (pods: Pod[]): number => pods.filter(isPodReady).length;
