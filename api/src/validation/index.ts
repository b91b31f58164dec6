/**
 * Validation of objects by resource, as the apiserver runs it after defaulting. Pure: returns
 * field errors, or throws the upstream-shaped 422 Invalid ApiError via assertValid.
 */
import { resourceInfo } from '../resources.js';
import type { KubeObject } from '../types.js';
import { invalidError, type FieldError } from './errors.js';
import { validateObjectMeta } from './meta.js';
import { validatePod, validatePodUpdate } from './pod.js';
import { validateDeployment, validateDeploymentUpdate, validateReplicaSet, validateReplicaSetUpdate } from './apps.js';
import { validateService, validateServiceUpdate } from './service.js';
import {
  validateEndpoints,
  validateEvent,
  validateLease,
  validateNamespace,
  validateNode,
  validateNodeStatus,
} from './other.js';
import { validateCronJob, validateJob, validateJobUpdate } from './batch.js';
import {
  validateDaemonSet,
  validateDaemonSetUpdate,
  validateStatefulSet,
  validateStatefulSetUpdate,
} from './workloads.js';
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateSecret,
  validateSecretUpdate,
  validateServiceAccount,
} from './config.js';
import { validateEndpointSlice, validateIngress, validatePDB } from './extras.js';
import { validateHorizontalPodAutoscaler } from './hpa.js';
import { validateControllerRevision, validateControllerRevisionUpdate } from './controllerrevision.js';
import { validateCertificateSigningRequest, validateCsrConditions } from './certificates.js';
import { validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './rbac.js';
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from './storage.js';

export { invalidError, fieldErrorString, errorBody, goValue, type FieldError, type FieldErrorType } from './errors.js';
export {
  validateObjectMeta,
  validateLabels,
  qualifiedNameErrors,
  labelValueErrors,
  checkDns1035,
  portNameErrors,
  type MetaRules,
} from './meta.js';
export { validatePod, validatePodSpec, validatePodUpdate, validatePodTemplate, type PodSpecRules } from './pod.js';
export { validateDeployment, validateDeploymentUpdate, validateReplicaSet, validateReplicaSetUpdate } from './apps.js';
export { validateService, validateServiceUpdate } from './service.js';
export {
  validateNamespace,
  validateNode,
  validateNodeStatus,
  validateLease,
  validateEndpoints,
  validateEvent,
} from './other.js';
export {
  validateResourceList,
  validateResourceRequirements,
  NEGATIVE_ERROR,
  type ResourceListRules,
} from './resources.js';
export {
  validateJob,
  validateJobUpdate,
  validateJobSpec,
  validateCronJob,
  JOB_RESTART_POLICIES,
  CRONJOB_NAME_MAX,
} from './batch.js';
export {
  validateDaemonSet,
  validateDaemonSetUpdate,
  validateStatefulSet,
  validateStatefulSetUpdate,
} from './workloads.js';
export {
  validateConfigMap,
  validateConfigMapUpdate,
  validateSecret,
  validateSecretUpdate,
  validateServiceAccount,
  configKeyErrors,
} from './config.js';
export { validateEndpointSlice, validateIngress, validatePDB } from './extras.js';
export { validateHorizontalPodAutoscaler } from './hpa.js';
export { validateControllerRevision, validateControllerRevisionUpdate } from './controllerrevision.js';
export * from './storage.js';
export { validatePolicyRule, checkPathSegment } from './rbac.js';
export {
  validateCertificateSigningRequest,
  validateCsrConditions,
  csrRequestError,
  KEY_USAGES,
} from './certificates.js';
export { cronScheduleError } from './cron.js';

type Validator = (obj: KubeObject, old?: KubeObject) => FieldError[];

const VALIDATORS: Record<string, Validator> = {
  pods: (o, old) => (old ? validatePodUpdate(o, old) : validatePod(o)),
  deployments: (o, old) => (old ? validateDeploymentUpdate(o, old) : validateDeployment(o)),
  replicasets: (o, old) => (old ? validateReplicaSetUpdate(o, old) : validateReplicaSet(o)),
  services: (o, old) => (old ? validateServiceUpdate(o, old) : validateService(o)),
  namespaces: (o) => validateNamespace(o),
  nodes: (o) => validateNode(o),
  leases: (o) => validateLease(o),
  endpoints: (o) => validateEndpoints(o),
  events: (o) => validateEvent(o),
  jobs: (o, old) => (old ? validateJobUpdate(o, old) : validateJob(o)),
  cronjobs: (o) => validateCronJob(o),
  daemonsets: (o, old) => (old ? validateDaemonSetUpdate(o, old) : validateDaemonSet(o)),
  statefulsets: (o, old) => (old ? validateStatefulSetUpdate(o, old) : validateStatefulSet(o)),
  configmaps: (o, old) => (old ? validateConfigMapUpdate(o, old) : validateConfigMap(o)),
  secrets: (o, old) => (old ? validateSecretUpdate(o, old) : validateSecret(o)),
  serviceaccounts: (o) => validateServiceAccount(o),
  horizontalpodautoscalers: (o) => validateHorizontalPodAutoscaler(o),
  persistentvolumes: (o, old) => (old ? validatePersistentVolumeUpdate(o, old) : validatePersistentVolume(o)),
  persistentvolumeclaims: (o, old) =>
    old ? validatePersistentVolumeClaimUpdate(o, old) : validatePersistentVolumeClaim(o),
  storageclasses: (o, old) => (old ? validateStorageClassUpdate(o, old) : validateStorageClass(o)),
  controllerrevisions: (o, old) => (old ? validateControllerRevisionUpdate(o, old) : validateControllerRevision(o)),
  poddisruptionbudgets: (o) => validatePDB(o),
  ingresses: (o) => validateIngress(o),
  endpointslices: (o) => validateEndpointSlice(o),
  certificatesigningrequests: (o) => validateCertificateSigningRequest(o),
  roles: (o) => validateRole(o),
  clusterroles: (o) => validateClusterRole(o),
  rolebindings: (o, old) => validateRoleBinding(o, old),
  clusterrolebindings: (o, old) => validateClusterRoleBinding(o, old),
};

/** Field errors of obj (an update when old is given); unknown resources get metadata checks only. */
export function validateObject(resource: string, obj: KubeObject, old?: KubeObject): FieldError[] {
  const v = VALIDATORS[resource];
  if (v) return v(obj, old);
  return validateObjectMeta(obj.metadata, { namespaced: resourceInfo(resource)?.namespaced ?? true });
}

/** What a status update (`/status`) must satisfy; most resources check nothing there. */
const STATUS_VALIDATORS: Record<string, (obj: KubeObject) => FieldError[]> = {
  nodes: validateNodeStatus,
  certificatesigningrequests: validateCsrConditions,
};

/** Throws the 422 when the status written through `/status` does not validate. */
export function assertValidStatus(resource: string, obj: KubeObject): void {
  const errs = STATUS_VALIDATORS[resource]?.(obj) ?? [];
  if (errs.length === 0) return;
  const info = resourceInfo(resource);
  throw invalidError(info?.kind ?? obj.kind ?? resource, info?.group ?? '', obj.metadata?.name ?? '', errs);
}

/** Throws ApiError('Invalid') (`Kind.group "name" is invalid: ...`) when obj does not validate. */
export function assertValid(resource: string, obj: KubeObject, old?: KubeObject): void {
  const errs = validateObject(resource, obj, old);
  if (errs.length === 0) return;
  const info = resourceInfo(resource);
  throw invalidError(
    info?.kind ?? obj.kind ?? resource,
    info?.group ?? '',
    obj.metadata?.name ?? obj.metadata?.generateName ?? '',
    errs,
  );
}
