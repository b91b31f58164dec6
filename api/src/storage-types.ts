/**
 * PersistentVolume, PersistentVolumeClaim (core/v1) and StorageClass (storage.k8s.io/v1), with
 * upstream's field names, annotations and finalizers, and the small helpers every component that
 * reads them needs (which class a claim asks for, the access-mode abbreviations).
 */
import type { KubeObject, LabelSelector } from './types.js';

export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
export type ReclaimPolicy = 'Retain' | 'Delete' | 'Recycle';
export type VolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';
export type ClaimPhase = 'Pending' | 'Bound' | 'Lost';
export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface ClaimReference {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface CSIVolumeSource {
  driver: string;
  volumeHandle: string;
  readOnly?: boolean;
  fsType?: string;
  volumeAttributes?: Record<string, string>;
}

export interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: AccessMode[];
  claimRef?: ClaimReference;
  persistentVolumeReclaimPolicy?: ReclaimPolicy;
  storageClassName?: string;
  mountOptions?: string[];
  volumeMode?: 'Filesystem' | 'Block';
  nodeAffinity?: { required?: NodeSelector };
  hostPath?: { path: string; type?: string };
  local?: { path: string; fsType?: string };
  csi?: CSIVolumeSource;
  [source: string]: unknown;
}

export interface PersistentVolumeStatus {
  phase?: VolumePhase;
  message?: string;
  reason?: string;
  lastPhaseTransitionTime?: string;
}

export interface PersistentVolume extends KubeObject {
  spec: PersistentVolumeSpec;
  status?: PersistentVolumeStatus;
}

export interface PersistentVolumeClaimSpec {
  accessModes?: AccessMode[];
  selector?: LabelSelector;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeName?: string;
  storageClassName?: string | null;
  volumeMode?: 'Filesystem' | 'Block';
  dataSource?: unknown;
  dataSourceRef?: unknown;
  [extra: string]: unknown;
}

export interface PersistentVolumeClaimCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface PersistentVolumeClaimStatus {
  phase?: ClaimPhase;
  accessModes?: AccessMode[];
  capacity?: Record<string, string>;
  conditions?: PersistentVolumeClaimCondition[];
}

export interface PersistentVolumeClaim extends KubeObject {
  spec: PersistentVolumeClaimSpec;
  status?: PersistentVolumeClaimStatus;
}

/** storage.k8s.io/v1 StorageClass: its fields sit at the top level (no spec). */
export interface StorageClass extends KubeObject {
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: ReclaimPolicy;
  mountOptions?: string[];
  allowVolumeExpansion?: boolean;
  volumeBindingMode?: VolumeBindingMode;
  allowedTopologies?: unknown[];
}

/** Upstream's annotations and finalizers around volume binding and provisioning. */
export const STORAGE = {
  isDefaultClass: 'storageclass.kubernetes.io/is-default-class',
  betaIsDefaultClass: 'storageclass.beta.kubernetes.io/is-default-class',
  betaClassAnnotation: 'volume.beta.kubernetes.io/storage-class',
  /** On a claim: the node the scheduler picked for a WaitForFirstConsumer claim. */
  selectedNode: 'volume.kubernetes.io/selected-node',
  /** On a claim: which provisioner is asked to provision it (and the beta spelling). */
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  /** On a claim and a volume: the PV controller made (or completed) the binding. */
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  /** On a volume: the provisioner that made it. */
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  pvcProtection: 'kubernetes.io/pvc-protection',
  pvProtection: 'kubernetes.io/pv-protection',
} as const;

/** The provisioner of the lab's own dynamic volumes (Docker named volumes). */
export const DOCKER_VOLUME_PROVISIONER = 'kubelab.io/docker-volume';
/** Finalizer on a Docker-volume PV: its node's kubelet removes the Docker volume, then this. */
export const DOCKER_VOLUME_FINALIZER = 'kubelab.io/docker-volume';
/** Annotation on a Docker-volume PV saying that its capacity is recorded, not enforced. */
export const CAPACITY_NOTE_ANNOTATION = 'kubelab.io/capacity';
export const CAPACITY_NOTE = 'recorded, not enforced: a Docker named volume has no size limit';

const truthy = (v: string | undefined): boolean => v === 'true';

/** Marked as the default class (the GA or the beta annotation). */
export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata.annotations ?? {};
  return truthy(a[STORAGE.isDefaultClass]) || truthy(a[STORAGE.betaIsDefaultClass]);
}

/** The class a claim asks for: the beta annotation wins, as upstream's GetPersistentVolumeClaimClass. */
export function claimClass(pvc: PersistentVolumeClaim): string {
  const beta = pvc.metadata.annotations?.[STORAGE.betaClassAnnotation];
  if (beta !== undefined) return beta;
  return pvc.spec.storageClassName ?? '';
}

/** The class of a volume (the beta annotation wins). */
export function volumeClass(pv: PersistentVolume): string {
  const beta = pv.metadata.annotations?.[STORAGE.betaClassAnnotation];
  if (beta !== undefined) return beta;
  return pv.spec.storageClassName ?? '';
}

const ABBREVIATIONS: [AccessMode, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** "RWO,ROX" in upstream's fixed order (GetAccessModesAsString). */
export function accessModesString(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? []);
  return ABBREVIATIONS.filter(([m]) => set.has(m))
    .map(([, a]) => a)
    .join(',');
}

/** The claim a pod volume refers to, if it is a persistentVolumeClaim volume. */
export function claimNameOf(volume: unknown): string | undefined {
  if (volume === null || typeof volume !== 'object') return undefined;
  const src = (volume as Record<string, unknown>)['persistentVolumeClaim'];
  if (src === null || typeof src !== 'object') return undefined;
  const name = (src as Record<string, unknown>)['claimName'];
  return typeof name === 'string' && name !== '' ? name : undefined;
}
