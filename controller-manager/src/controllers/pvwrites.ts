/**
 * The writes that bind a PersistentVolume and a PersistentVolumeClaim to each other, as upstream's
 * PV controller makes them, in its order: the volume's claimRef, the volume's phase, the claim's
 * volumeName and annotations, the claim's phase. Each returns the object as written (a later step
 * builds on it) and does nothing when the object already says so.
 */
import {
  rfc3339,
  STORAGE,
  type Clock,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type VolumePhase,
} from '@kubelab/api';
import type { ApiLike } from '../api.js';
import { semanticEqual } from '../util/objects.js';

const YES = 'yes';

export class VolumeWrites {
  constructor(
    private readonly api: ApiLike,
    private readonly clock: Clock,
  ) {}

  /** Points the volume at the claim (claimRef with uid), marking the binding as the controller's. */
  async bindVolume(pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<PersistentVolume> {
    const ref = pv.spec.claimRef;
    if (ref?.uid === pvc.metadata.uid && ref?.name === pvc.metadata.name && ref?.namespace === pvc.metadata.namespace)
      return pv;
    const next = structuredClone(pv);
    const preBound = !!ref && ref.name === pvc.metadata.name;
    next.spec.claimRef = {
      kind: 'PersistentVolumeClaim',
      namespace: pvc.metadata.namespace ?? '',
      name: pvc.metadata.name ?? '',
      uid: pvc.metadata.uid ?? '',
      apiVersion: 'v1',
      resourceVersion: pvc.metadata.resourceVersion ?? '',
    };
    if (!preBound)
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [STORAGE.boundByController]: YES };
    return this.api.update('persistentvolumes', next);
  }

  /** Drops the volume's claimRef (a binding the controller made to a claim that went elsewhere). */
  async unbindVolume(pv: PersistentVolume): Promise<PersistentVolume> {
    const next = structuredClone(pv);
    delete next.spec.claimRef;
    if (next.metadata.annotations) delete next.metadata.annotations[STORAGE.boundByController];
    const written = await this.api.update('persistentvolumes', next);
    return this.volumePhase(written, 'Available');
  }

  async volumePhase(pv: PersistentVolume, phase: VolumePhase, message?: string): Promise<PersistentVolume> {
    const status = { ...(pv.status ?? {}) };
    if (status.phase === phase && (message === undefined || status.message === message)) return pv;
    if (status.phase !== phase) status.lastPhaseTransitionTime = rfc3339(this.clock.now());
    status.phase = phase;
    if (message !== undefined) status.message = message;
    else delete status.message;
    return this.api.updateStatus('persistentvolumes', { ...pv, status });
  }

  /** Sets the claim's volumeName and the bind-completed annotations. */
  async bindClaim(pvc: PersistentVolumeClaim, pv: PersistentVolume): Promise<PersistentVolumeClaim> {
    const a = pvc.metadata.annotations ?? {};
    const byController = !pvc.spec.volumeName;
    if (pvc.spec.volumeName === pv.metadata.name && a[STORAGE.bindCompleted] === YES) return pvc;
    const next = structuredClone(pvc);
    next.spec.volumeName = pv.metadata.name ?? '';
    next.metadata.annotations = { ...a, [STORAGE.bindCompleted]: YES };
    if (byController) next.metadata.annotations[STORAGE.boundByController] = YES;
    return this.api.update('persistentvolumeclaims', next);
  }

  /** Phase, and for a bound claim the volume's access modes and capacity (upstream copies them). */
  async claimPhase(
    pvc: PersistentVolumeClaim,
    phase: 'Pending' | 'Bound' | 'Lost',
    pv?: PersistentVolume,
  ): Promise<PersistentVolumeClaim> {
    const status = { ...(pvc.status ?? {}), phase };
    if (pv && phase === 'Bound') {
      status.accessModes = [...(pv.spec.accessModes ?? [])];
      status.capacity = { ...(pv.spec.capacity ?? {}) };
    }
    if (semanticEqual(status, pvc.status)) return pvc;
    return this.api.updateStatus('persistentvolumeclaims', { ...pvc, status });
  }

  /** Adds annotations to a claim (e.g. which provisioner it waits for); no write when present. */
  async annotateClaim(pvc: PersistentVolumeClaim, annotations: Record<string, string>): Promise<PersistentVolumeClaim> {
    const a = pvc.metadata.annotations ?? {};
    if (Object.entries(annotations).every(([k, v]) => a[k] === v)) return pvc;
    return this.api.update('persistentvolumeclaims', {
      ...pvc,
      metadata: { ...pvc.metadata, annotations: { ...a, ...annotations } },
    });
  }
}
