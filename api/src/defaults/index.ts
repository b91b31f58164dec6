/**
 * Defaulting by resource, as upstream applies it when an object is decoded (before validation).
 * Mutates and returns the object.
 */
import type { KubeObject } from '../types.js';
import { defaultDeployment, defaultReplicaSet } from './apps.js';
import { defaultPod } from './pod.js';
import { defaultService } from './service.js';
import { defaultCronJob, defaultDaemonSet, defaultJob, defaultSecret, defaultStatefulSet } from './batch.js';
import { defaultHPA } from './autoscaling.js';
import { defaultBinding } from '../rbac-types.js';
import { defaultPersistentVolume, defaultPersistentVolumeClaim, defaultStorageClass } from './storage.js';

export { defaultPod, defaultPodSpec, defaultContainer, defaultPullPolicy, podQOSClass } from './pod.js';
export { defaultDeployment, defaultReplicaSet } from './apps.js';
export { defaultService } from './service.js';
export {
  defaultJob,
  defaultJobSpec,
  defaultCronJob,
  defaultDaemonSet,
  defaultStatefulSet,
  defaultSecret,
} from './batch.js';
export { defaultHPA, DEFAULT_CPU_UTILIZATION, DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from './autoscaling.js';
export { defaultPersistentVolume, defaultPersistentVolumeClaim, defaultStorageClass } from './storage.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Namespaces: phase Active and the immutable kubernetes.io/metadata.name label. */
export function defaultNamespace(ns: KubeObject): void {
  if (ns.metadata.name)
    ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: ns.metadata.name };
  const status = (ns.status !== null && typeof ns.status === 'object' ? ns.status : {}) as Record<string, unknown>;
  if (!status.phase) status.phase = 'Active';
  ns.status = status;
}

const DEFAULTERS: Record<string, (o: KubeObject) => void> = {
  pods: defaultPod,
  deployments: defaultDeployment,
  replicasets: defaultReplicaSet,
  services: defaultService,
  namespaces: defaultNamespace,
  jobs: defaultJob,
  cronjobs: defaultCronJob,
  daemonsets: defaultDaemonSet,
  statefulsets: defaultStatefulSet,
  secrets: defaultSecret,
  horizontalpodautoscalers: defaultHPA,
  persistentvolumes: defaultPersistentVolume,
  persistentvolumeclaims: defaultPersistentVolumeClaim,
  storageclasses: defaultStorageClass,
  rolebindings: defaultBinding,
  clusterrolebindings: defaultBinding,
};

export function applyDefaults<T extends KubeObject>(resource: string, obj: T): T {
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
  DEFAULTERS[resource]?.(obj);
  return obj;
}
