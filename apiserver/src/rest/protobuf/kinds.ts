/** Which top-level kinds the protobuf decoder knows, per apiVersion, and their schemas. */
import { Schema, type Table } from './schema.js';
import { META_V1 } from './schema-meta.js';
import { CORE_V1 } from './schema-core.js';
import {
  APPS_V1,
  AUTOSCALING_V1,
  AUTOSCALING_V2,
  BATCH_V1,
  NETWORKING_V1,
  POLICY_V1,
  SCHEDULING_V1,
} from './schema-groups.js';
import {
  AUTHENTICATION_REVIEW,
  AUTHENTICATION_V1,
  AUTHORIZATION_V1,
  CERTIFICATES_V1,
  RBAC_V1,
} from './schema-access.js';
import { COORDINATION_V1, DISCOVERY_V1 } from './schema-leases-slices.js';
import { EVENTS_V1 } from './schema-events.js';

interface GroupVersion {
  table: Table;
  kinds: string[];
}

const GROUP_VERSIONS: Record<string, GroupVersion> = {
  v1: {
    table: CORE_V1,
    kinds: [
      'Pod',
      'PodTemplate',
      'Namespace',
      'ConfigMap',
      'Secret',
      'Service',
      'ServiceAccount',
      'Endpoints',
      'ResourceQuota',
      'Node',
      'Binding',
      'Event',
      'PersistentVolumeClaim',
      'DeleteOptions',
    ],
  },
  'meta.k8s.io/v1': { table: META_V1, kinds: ['DeleteOptions'] },
  'apps/v1': { table: APPS_V1, kinds: ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'] },
  'batch/v1': { table: BATCH_V1, kinds: ['Job', 'CronJob'] },
  'networking.k8s.io/v1': { table: NETWORKING_V1, kinds: ['Ingress'] },
  'rbac.authorization.k8s.io/v1': {
    table: RBAC_V1,
    kinds: ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  },
  'policy/v1': { table: POLICY_V1, kinds: ['PodDisruptionBudget', 'Eviction'] },
  'scheduling.k8s.io/v1': { table: SCHEDULING_V1, kinds: ['PriorityClass'] },
  'autoscaling/v1': { table: AUTOSCALING_V1, kinds: ['HorizontalPodAutoscaler', 'Scale'] },
  'autoscaling/v2': { table: AUTOSCALING_V2, kinds: ['HorizontalPodAutoscaler'] },
  'authentication.k8s.io/v1': {
    table: { ...AUTHENTICATION_V1, ...AUTHENTICATION_REVIEW },
    kinds: ['TokenRequest', 'SelfSubjectReview'],
  },
  'authentication.k8s.io/v1beta1': { table: AUTHENTICATION_REVIEW, kinds: ['SelfSubjectReview'] },
  'authorization.k8s.io/v1': {
    table: AUTHORIZATION_V1,
    kinds: ['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'LocalSubjectAccessReview'],
  },
  'coordination.k8s.io/v1': { table: COORDINATION_V1, kinds: ['Lease'] },
  'discovery.k8s.io/v1': { table: DISCOVERY_V1, kinds: ['EndpointSlice'] },
  'events.k8s.io/v1': { table: EVENTS_V1, kinds: ['Event'] },
  'certificates.k8s.io/v1': { table: CERTIFICATES_V1, kinds: ['CertificateSigningRequest'] },
};

const schemas = new Map<string, Schema>();

/** The tables an apiVersion's messages are looked up in: its own, then core/v1, then meta/v1. */
export function tablesFor(apiVersion: string): Table[] | undefined {
  const gv = GROUP_VERSIONS[apiVersion];
  if (!gv) return undefined;
  if (gv.table === CORE_V1) return [CORE_V1, META_V1];
  return gv.table === META_V1 ? [META_V1] : [gv.table, CORE_V1, META_V1];
}

/** The schema for `apiVersion` (its own table, then core/v1, then meta/v1), if the kind is known. */
export function schemaFor(apiVersion: string, kind: string): Schema | undefined {
  const gv = GROUP_VERSIONS[apiVersion];
  if (!gv || !gv.kinds.includes(kind)) return undefined;
  let s = schemas.get(apiVersion);
  if (!s) {
    s = new Schema(tablesFor(apiVersion)!);
    schemas.set(apiVersion, s);
  }
  return s;
}

/** Every known (apiVersion, kind) pair. */
export function knownKinds(): { apiVersion: string; kind: string }[] {
  return Object.entries(GROUP_VERSIONS).flatMap(([apiVersion, gv]) => gv.kinds.map((kind) => ({ apiVersion, kind })));
}
