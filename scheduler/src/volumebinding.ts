/**
 * The VolumeBinding plugin's decisions, as pure functions of a pod, a node and the claims,
 * volumes and classes the scheduler sees (upstream's volumebinding): PreFilter refuses a pod whose
 * claim is missing, being deleted, or unbound with an Immediate class (the PV controller binds
 * those first); Filter admits a node when every bound claim's volume may be used there (node
 * affinity) and every WaitForFirstConsumer claim can get a volume there: a matching static volume
 * whose affinity admits the node, or a class with a provisioner. The plan says which volumes to
 * pre-bind and which claims to hand to their provisioner for the chosen node.
 */
import {
  claimClass,
  claimNameOf,
  findMatchingVolume,
  affinityAdmits,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type StorageClass,
} from '@kubelab/api';
import type { Filter } from './filters.js';

export const VOLUME_REASON = {
  unboundImmediate: 'pod has unbound immediate PersistentVolumeClaims',
  affinityConflict: 'node(s) had volume node affinity conflict',
  noVolume: "node(s) didn't find available persistent volumes to bind",
} as const;

/** No provisioner: claims of such classes bind to static volumes only. */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export interface VolumeState {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

export function podClaimNames(pod: Pod): string[] {
  return ((pod.spec['volumes'] as unknown[] | undefined) ?? [])
    .map(claimNameOf)
    .filter((n): n is string => n !== undefined);
}

function claimsOf(pod: Pod, s: VolumeState): PersistentVolumeClaim[] {
  const ns = pod.metadata.namespace ?? 'default';
  return podClaimNames(pod).flatMap((n) => s.claim(ns, n) ?? []);
}

export const isBound = (pvc: PersistentVolumeClaim): boolean => !!pvc.spec.volumeName;

function delayed(pvc: PersistentVolumeClaim, s: VolumeState): boolean {
  return s.storageClass(claimClass(pvc))?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** Why no node can take the pod yet (upstream's PreFilter), or undefined. */
export function volumePreFilter(pod: Pod, s: VolumeState): string | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  for (const name of podClaimNames(pod)) {
    const pvc = s.claim(ns, name);
    if (!pvc) return `persistentvolumeclaim "${name}" not found`;
    if (pvc.metadata.deletionTimestamp) return `persistentvolumeclaim "${name}" is being deleted`;
    if (!isBound(pvc) && !delayed(pvc, s)) return VOLUME_REASON.unboundImmediate;
  }
  return undefined;
}

export interface VolumePlan {
  /** Static volumes to point at these claims (claimRef). */
  bindings: { volume: PersistentVolume; claim: PersistentVolumeClaim }[];
  /** Claims to annotate with the node (their provisioner makes the volume there). */
  provision: PersistentVolumeClaim[];
}

/** How the node would satisfy the pod's unbound claims, or the reason it cannot. */
export function planFor(pod: Pod, node: Node, s: VolumeState): VolumePlan | { reason: string } {
  const plan: VolumePlan = { bindings: [], provision: [] };
  const taken = new Set<string>();
  for (const pvc of claimsOf(pod, s)) {
    if (isBound(pvc)) {
      const pv = s.volume(pvc.spec.volumeName ?? '');
      if (pv && !affinityAdmits(pv, node)) return { reason: VOLUME_REASON.affinityConflict };
      continue;
    }
    const pv = findMatchingVolume(pvc, s.volumes(), { delayBinding: true, node, excluded: taken });
    if (pv) {
      taken.add(pv.metadata.name ?? '');
      plan.bindings.push({ volume: pv, claim: pvc });
      continue;
    }
    const provisioner = s.storageClass(claimClass(pvc))?.provisioner;
    if (!provisioner || provisioner === NO_PROVISIONER) return { reason: VOLUME_REASON.noVolume };
    plan.provision.push(pvc);
  }
  return plan;
}

/** The Filter plugin over the state. */
export function volumeFilter(s: VolumeState): Filter {
  return (pod, { node }) => {
    if (podClaimNames(pod).length === 0) return [];
    const r = planFor(pod, node, s);
    return 'reason' in r ? [r.reason] : [];
  };
}
