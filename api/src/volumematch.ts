/**
 * Which PersistentVolume a claim may bind to, as upstream's findMatchingVolume decides it: a
 * volume pre-bound to the claim first; otherwise the smallest Available volume of the claim's
 * class whose access modes, size, volume mode and labels (the claim's selector) fit. A claim of a
 * WaitForFirstConsumer class is matched only for a node (the scheduler's path): the volume's node
 * affinity must then admit that node. Pure.
 */
import { fromLabelSelector, matches } from './labels.js';
import { nodeSelectorMatches } from './nodeselector.js';
import { tryParseQuantity } from './quantity.js';
import { claimClass, volumeClass, type PersistentVolume, type PersistentVolumeClaim } from './storage-types.js';
import type { Node } from './types.js';

export function claimRequest(pvc: PersistentVolumeClaim): number {
  return tryParseQuantity(pvc.spec.resources?.requests?.['storage']) ?? 0;
}

export function volumeSize(pv: PersistentVolume): number {
  return tryParseQuantity(pv.spec.capacity?.['storage']) ?? 0;
}

/** The volume's claimRef names this claim (and, when it carries one, its uid). */
export function isPreBoundTo(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec.claimRef;
  if (!ref || ref.name !== pvc.metadata.name || (ref.namespace ?? '') !== (pvc.metadata.namespace ?? '')) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

/** Why the volume cannot satisfy the claim (upstream's checkVolumeSatisfyClaim), or undefined. */
export function mismatch(pv: PersistentVolume, pvc: PersistentVolumeClaim): string | undefined {
  if (volumeSize(pv) < claimRequest(pvc)) return 'requested PV is too small';
  if (volumeClass(pv) !== claimClass(pvc)) return 'storageClassName does not match';
  if ((pv.spec.volumeMode ?? 'Filesystem') !== (pvc.spec.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  const have = new Set(pv.spec.accessModes ?? []);
  if (!(pvc.spec.accessModes ?? []).every((m) => have.has(m))) return 'incompatible accessMode';
  return undefined;
}

export function affinityAdmits(pv: PersistentVolume, node: Node): boolean {
  const required = pv.spec.nodeAffinity?.required;
  return !required || nodeSelectorMatches(required, node);
}

export interface MatchOptions {
  /** The claim's class binds only once a consumer is scheduled (WaitForFirstConsumer). */
  delayBinding: boolean;
  /** The node the consumer was placed on (the scheduler's question); undefined for the PV controller. */
  node?: Node;
  /** Volumes the caller has already handed to other claims in this decision. */
  excluded?: ReadonlySet<string>;
}

export function findMatchingVolume(
  pvc: PersistentVolumeClaim,
  volumes: readonly PersistentVolume[],
  o: MatchOptions,
): PersistentVolume | undefined {
  const sel = pvc.spec.selector ? fromLabelSelector(pvc.spec.selector) : [];
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp || o.excluded?.has(pv.metadata.name ?? '')) continue;
    if ((pv.spec.volumeMode ?? 'Filesystem') !== (pvc.spec.volumeMode ?? 'Filesystem')) continue;
    if (isPreBoundTo(pv, pvc)) {
      if (o.node && !affinityAdmits(pv, o.node)) continue;
      if (mismatch(pv, pvc) === undefined) return pv;
      continue;
    }
    if (pv.spec.claimRef || pv.status?.phase !== 'Available') continue;
    if (o.node && !affinityAdmits(pv, o.node)) continue;
    if (o.delayBinding && !o.node) continue;
    if (sel.length > 0 && !matches(sel, pv.metadata.labels)) continue;
    if (mismatch(pv, pvc) !== undefined) continue;
    if (!best || volumeSize(pv) < volumeSize(best)) best = pv;
  }
  return best;
}
