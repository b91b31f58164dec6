/**
 * A StatefulSet's claims: made before the pod that mounts them (and again if deleted while the pod
 * lives), never deleted by the controller itself. persistentVolumeClaimRetentionPolicy decides
 * their owner references, which the garbage collector acts on, as upstream: whenDeleted: Delete
 * makes the set an owner; whenScaled: Delete makes the pod of a condemned ordinal (scaled away)
 * the owner instead. Retain (the default) leaves the claims unowned, so they outlive the set and
 * are reused by the pod of the same ordinal on scale-up.
 */
import type { OwnerReference, PersistentVolumeClaim, Pod, StatefulSet } from '@kubelab/api';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache } from '../api.js';
import { errorMessage, isAlreadyExists } from '../util/objects.js';
import { claimsFor, podName } from './statefulset-identity.js';

function refTo(owner: { metadata: { name?: string; uid?: string } }, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', blockOwnerDeletion: true };
}

/** The owners the retention policy gives a claim of `ordinal` (`pod` when it exists). */
export function wantedOwners(sts: StatefulSet, pod: Pod | undefined, condemned: boolean): OwnerReference[] {
  const policy = sts.spec.persistentVolumeClaimRetentionPolicy ?? {};
  if (condemned && policy.whenScaled === 'Delete') return pod?.metadata.uid ? [refTo(pod, 'v1', 'Pod')] : [];
  if (policy.whenDeleted === 'Delete') return [refTo(sts, 'apps/v1', 'StatefulSet')];
  return [];
}

/** The claim's references with those to the set and to the ordinal's pod (any incarnation) replaced by `wanted`. */
export function withOwners(
  claim: PersistentVolumeClaim,
  sts: StatefulSet,
  ordinal: number,
  wanted: OwnerReference[],
): OwnerReference[] {
  const pod = podName(sts, ordinal);
  const others = (claim.metadata.ownerReferences ?? []).filter(
    (r) => r.uid !== sts.metadata.uid && !(r.kind === 'Pod' && r.name === pod),
  );
  return [...others, ...wanted];
}

const sameRefs = (a: OwnerReference[], b: OwnerReference[]): boolean =>
  JSON.stringify(a.map((r) => r.uid).sort()) === JSON.stringify(b.map((r) => r.uid).sort());

export class StatefulSetClaims {
  constructor(
    private readonly api: ApiLike,
    private readonly claims: Cache<PersistentVolumeClaim>,
    private readonly recorder: EventRecorder,
  ) {}

  /**
   * Makes the ordinal's missing claims. Throws while one of them is being deleted: the pod must
   * not start on a claim that is going away (upstream waits the same way).
   */
  async ensure(sts: StatefulSet, ordinal: number, pod: Pod | undefined): Promise<void> {
    const pname = podName(sts, ordinal);
    for (const claim of claimsFor(sts, ordinal).values()) {
      const key = `${claim.metadata.namespace ?? ''}/${claim.metadata.name ?? ''}`;
      const have = this.claims.get(key);
      if (have?.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
      if (have) continue;
      const owners = wantedOwners(sts, pod, false);
      if (owners.length) claim.metadata.ownerReferences = owners;
      try {
        await this.api.create('persistentvolumeclaims', claim, claim.metadata.namespace);
        this.recorder.event(
          sts,
          'Normal',
          'SuccessfulCreate',
          `create Claim ${claim.metadata.name} Pod ${pname} in StatefulSet ${sts.metadata.name} success`,
        );
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.recorder.event(
          sts,
          'Warning',
          'FailedCreate',
          `create Claim ${claim.metadata.name} for Pod ${pname} in StatefulSet ${sts.metadata.name} failed error: ${errorMessage(err)}`,
        );
        throw err;
      }
    }
  }

  /** Brings the owner references of the ordinal's claims in line with the retention policy. */
  async retain(sts: StatefulSet, ordinal: number, pod: Pod | undefined, condemned: boolean): Promise<void> {
    for (const want of claimsFor(sts, ordinal).values()) {
      const claim = this.claims.get(`${want.metadata.namespace ?? ''}/${want.metadata.name ?? ''}`);
      if (!claim || claim.metadata.deletionTimestamp) continue;
      const refs = withOwners(claim, sts, ordinal, wantedOwners(sts, pod, condemned));
      if (sameRefs(refs, claim.metadata.ownerReferences ?? [])) continue;
      const metadata = { ...claim.metadata };
      if (refs.length) metadata.ownerReferences = refs;
      else delete metadata.ownerReferences;
      await this.api.update('persistentvolumeclaims', { ...claim, metadata });
    }
  }
}
