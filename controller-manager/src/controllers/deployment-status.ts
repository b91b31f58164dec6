/**
 * Deployment status and conditions, after upstream's calculateStatus / syncRolloutStatus: the
 * replica counts summed over the ReplicaSets, Available (MinimumReplicasAvailable /
 * MinimumReplicasUnavailable) and Progressing (NewReplicaSetCreated, FoundNewReplicaSet,
 * ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded) with upstream messages.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from '@kubelab/api';
import { maxUnavailable, replicasOf, sumSpec, sumStatus } from './deployment-util.js';

export const Reason = {
  NewRSCreated: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  RSUpdated: 'ReplicaSetUpdated',
  NewRSAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  FailedRSCreate: 'ReplicaSetCreateError',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  MinAvailable: 'MinimumReplicasAvailable',
  MinUnavailable: 'MinimumReplicasUnavailable',
} as const;

export function newCondition(
  type: string,
  status: DeploymentCondition['status'],
  reason: string,
  message: string,
  nowIso: string,
): DeploymentCondition {
  return { type, status, lastUpdateTime: nowIso, lastTransitionTime: nowIso, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** Upstream's SetDeploymentCondition: same status and reason → no change; same status keeps lastTransitionTime. */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = { ...cond };
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s === undefined || (s > 0 && s < 2 ** 31 - 1);
}

export function progressDeadlineSeconds(d: Deployment): number {
  return d.spec.progressDeadlineSeconds ?? 600;
}

/** Status from the ReplicaSets; omits zero counts like upstream's JSON. */
export function calculateStatus(
  allRSs: ReplicaSet[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  nowIso: string,
): DeploymentStatus {
  const available = sumStatus(allRSs, 'availableReplicas');
  const unavailable = Math.max(0, sumSpec(allRSs) - available);
  const s: DeploymentStatus = {};
  if (d.metadata.generation) s.observedGeneration = d.metadata.generation;
  const counts: [keyof DeploymentStatus, number][] = [
    ['replicas', sumStatus(allRSs, 'replicas')],
    ['updatedReplicas', newRS ? sumStatus([newRS], 'replicas') : 0],
    ['readyReplicas', sumStatus(allRSs, 'readyReplicas')],
    ['availableReplicas', available],
    ['unavailableReplicas', unavailable],
  ];
  for (const [k, v] of counts) if (v) (s as Record<string, number>)[k] = v;
  if (d.status?.collisionCount) s.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) s.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(
      s,
      newCondition('Available', 'True', Reason.MinAvailable, 'Deployment has minimum availability.', nowIso),
    );
  } else {
    setCondition(
      s,
      newCondition(
        'Available',
        'False',
        Reason.MinUnavailable,
        'Deployment does not have minimum availability.',
        nowIso,
      ),
    );
  }
  return s;
}

/** Every replica updated and available, and the current generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return (
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** Some progress since the last recorded status. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** The Progressing condition has not been updated for progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(s, 'Progressing');
  if (!cond) return false;
  if (cond.reason === Reason.NewRSAvailable) return false;
  if (cond.reason === Reason.TimedOut) return true;
  if (!cond.lastUpdateTime) return false;
  return Date.parse(cond.lastUpdateTime) + progressDeadlineSeconds(d) * 1000 < nowMs;
}

/**
 * Upstream's syncRolloutStatus condition logic: the status to write after a rollout step.
 * `newRSName` is the current ReplicaSet's name, when there is one.
 */
export function rolloutStatus(
  allRSs: ReplicaSet[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  nowMs: number,
  nowIso: string,
): DeploymentStatus {
  const s = calculateStatus(allRSs, newRS, d, nowIso);
  if (!hasProgressDeadline(d)) removeCondition(s, 'Progressing');
  const cur = getCondition(d.status, 'Progressing');
  const complete = (s.replicas ?? 0) === (s.updatedReplicas ?? 0) && cur?.reason === Reason.NewRSAvailable;
  if (!hasProgressDeadline(d) || complete) return s;
  const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
  if (deploymentComplete(d, s)) {
    setCondition(
      s,
      newCondition('Progressing', 'True', Reason.NewRSAvailable, `${subject} has successfully progressed.`, nowIso),
    );
  } else if (deploymentProgressing(d, s)) {
    const c = newCondition('Progressing', 'True', Reason.RSUpdated, `${subject} is progressing.`, nowIso);
    if (cur) {
      if (cur.status === 'True' && cur.lastTransitionTime) c.lastTransitionTime = cur.lastTransitionTime;
      removeCondition(s, 'Progressing');
    }
    setCondition(s, c);
  } else if (deploymentTimedOut(d, s, nowMs)) {
    setCondition(
      s,
      newCondition('Progressing', 'False', Reason.TimedOut, `${subject} has timed out progressing.`, nowIso),
    );
  }
  return s;
}
