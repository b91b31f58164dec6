/**
 * Upstream's core/v1 defaults for PersistentVolumes and PersistentVolumeClaims (also applied to a
 * StatefulSet's volumeClaimTemplates) and the storage.k8s.io/v1 ones for StorageClasses.
 */
import type { KubeObject } from '../types.js';

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

const unset = (v: unknown): boolean => v === undefined || v === null || v === '';

function pendingStatus(obj: KubeObject): void {
  const status = rec(obj.status) ?? {};
  if (unset(status.phase)) status.phase = 'Pending';
  obj.status = status;
}

export function defaultPersistentVolume(pv: KubeObject): void {
  const spec = rec(pv.spec);
  if (spec) {
    if (unset(spec.persistentVolumeReclaimPolicy)) spec.persistentVolumeReclaimPolicy = 'Retain';
    if (unset(spec.volumeMode)) spec.volumeMode = 'Filesystem';
    const hostPath = rec(spec.hostPath);
    if (hostPath && hostPath.type === undefined) hostPath.type = '';
  }
  pendingStatus(pv);
}

/** A claim, or a claim template of a StatefulSet. */
export function defaultPersistentVolumeClaim(pvc: KubeObject): void {
  const spec = rec(pvc.spec);
  if (spec && unset(spec.volumeMode)) spec.volumeMode = 'Filesystem';
  pendingStatus(pvc);
}

export function defaultStorageClass(sc: KubeObject): void {
  if (unset(sc['reclaimPolicy'])) sc['reclaimPolicy'] = 'Delete';
  if (unset(sc['volumeBindingMode'])) sc['volumeBindingMode'] = 'Immediate';
}
