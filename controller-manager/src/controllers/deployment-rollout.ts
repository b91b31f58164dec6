/**
 * The rollout strategies, after upstream's rolling.go / recreate.go / sync.go: what one sync of
 * a Deployment does with its ReplicaSets once they are known.
 */
import type { Pod, ReplicaSet } from '@kubelab/api';
import type { DeploymentSync } from './deployment-sync.js';
import { deploymentComplete } from './deployment-status.js';
import {
  desiredReplicasAnnotation,
  isActive,
  maxUnavailable,
  newRSNewReplicas,
  replicasOf,
  rsReplicas,
  sumSpec,
  sumStatus,
} from './deployment-util.js';
import { byCreation } from '../util/objects.js';
import { isPodTerminal } from '../util/pods.js';

/** Paused or resized: scale without rolling out (upstream's sync). */
export async function syncScale(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await s.getAll(false);
  await s.scale(newRS, oldRSs);
  if (s.d.spec.paused) await s.cleanup(current(s, oldRSs));
  await s.syncDeploymentStatus(current(s, [...oldRSs, newRS]), current1(s, newRS));
}

/** Deleting: only keep the status up to date. */
export async function syncStatusOnly(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await s.getAll(false);
  await s.syncDeploymentStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
}

/** A ReplicaSet's desired-replicas annotation disagrees with spec.replicas: the user resized. */
export async function isScalingEvent(s: DeploymentSync): Promise<boolean> {
  const { newRS, oldRSs } = await s.getAll(false);
  const want = replicasOf(s.d);
  return [...oldRSs, newRS].filter(isActive).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== want;
  });
}

/** The latest version of each ReplicaSet (after scaling in this sync). */
function current(s: DeploymentSync, rss: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss
    .filter((r): r is ReplicaSet => !!r)
    .map((r) => s.rsList.find((x) => x.metadata.uid === r.metadata.uid) ?? r);
}

function current1(s: DeploymentSync, rs: ReplicaSet | undefined): ReplicaSet | undefined {
  return rs ? current(s, [rs])[0] : undefined;
}

export async function rolloutRolling(s: DeploymentSync): Promise<void> {
  const { newRS, oldRSs } = await s.getAll(true);
  if (!newRS) return;
  const all = (): ReplicaSet[] => current(s, [...oldRSs, newRS]);
  if (await reconcileNewReplicaSet(s, all(), current1(s, newRS)!))
    return s.syncRolloutStatus(all(), current1(s, newRS));
  if (await reconcileOldReplicaSets(s, all(), current(s, oldRSs).filter(isActive), current1(s, newRS)!))
    return s.syncRolloutStatus(all(), current1(s, newRS));
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(current(s, oldRSs));
  return s.syncRolloutStatus(all(), current1(s, newRS));
}

async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const want = replicasOf(s.d);
  if (rsReplicas(newRS) === want) return false;
  if (rsReplicas(newRS) > want) return (await s.scaleAndRecord(newRS, want)).scaled;
  return (await s.scaleAndRecord(newRS, newRSNewReplicas(s.d, allRSs, newRS))).scaled;
}

async function reconcileOldReplicaSets(
  s: DeploymentSync,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
  newRS: ReplicaSet,
): Promise<boolean> {
  if (sumSpec(oldRSs) === 0) return false;
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = sumSpec(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const { olds, cleaned } = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
  const scaled = await scaleDownOldForRollingUpdate(s, [...olds, newRS], olds);
  return cleaned + scaled > 0;
}

/** Scales old ReplicaSets down by their unavailable pods first, so broken pods never block a rollout. */
async function cleanupUnhealthyReplicas(
  s: DeploymentSync,
  oldRSs: ReplicaSet[],
  maxCleanup: number,
): Promise<{ olds: ReplicaSet[]; cleaned: number }> {
  const olds = [...oldRSs].sort(byCreation);
  let total = 0;
  for (const [i, rs] of olds.entries()) {
    if (total >= maxCleanup) break;
    const available = rs.status?.availableReplicas ?? 0;
    if (rsReplicas(rs) === 0 || rsReplicas(rs) === available) continue;
    const down = Math.min(maxCleanup - total, rsReplicas(rs) - available);
    const { rs: updated } = await s.scaleAndRecord(rs, rsReplicas(rs) - down);
    olds[i] = updated;
    total += down;
  }
  return { olds, cleaned: total };
}

async function scaleDownOldForRollingUpdate(
  s: DeploymentSync,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
): Promise<number> {
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const available = sumStatus(allRSs, 'availableReplicas');
  if (available <= minAvailable) return 0;
  const target = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= target) break;
    if (rsReplicas(rs) === 0) continue;
    const down = Math.min(rsReplicas(rs), target - total);
    await s.scaleAndRecord(rs, rsReplicas(rs) - down);
    total += down;
  }
  return total;
}

/** Recreate: old ReplicaSets to 0, wait until their pods are gone, then the new one to full size. */
export async function rolloutRecreate(s: DeploymentSync, pods: Pod[]): Promise<void> {
  let { newRS, oldRSs } = await s.getAll(false);
  const all = (): ReplicaSet[] => current(s, [...oldRSs, newRS]);
  let scaledDown = false;
  for (const rs of oldRSs.filter(isActive)) if ((await s.scaleAndRecord(rs, 0)).scaled) scaledDown = true;
  if (scaledDown) return s.syncRolloutStatus(all(), current1(s, newRS));
  if (oldPodsRunning(newRS, current(s, oldRSs), pods)) return s.syncRolloutStatus(all(), current1(s, newRS));
  if (!newRS) ({ newRS, oldRSs } = await s.getAll(true));
  if (newRS) {
    const cur = current1(s, newRS)!;
    if (rsReplicas(cur) !== replicasOf(s.d)) await s.scaleAndRecord(cur, replicasOf(s.d));
  }
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(current(s, oldRSs));
  return s.syncRolloutStatus(all(), current1(s, newRS));
}

/** Any old ReplicaSet still reports pods, or any pod of an old ReplicaSet is not finished. */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], pods: Pod[]): boolean {
  if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
  const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
  return pods.some((p) => {
    const ref = p.metadata.ownerReferences?.find((r) => r.controller);
    if (!ref || ref.uid === newRS?.metadata.uid || !oldUids.has(ref.uid)) return false;
    return !isPodTerminal(p);
  });
}
