/**
 * Upstream's user-facing ClusterRoles (bootstrappolicy/policy.go): cluster-admin, and admin, edit,
 * view as aggregated roles whose rules come from the `system:aggregate-to-*` roles (and from any
 * ClusterRole a user labels `rbac.authorization.k8s.io/aggregate-to-<role>: "true"`). view is
 * labelled into edit and edit into admin, so each holds the one below it. Kinds the lab does not
 * serve (replicationcontrollers, networkpolicies, extensions) stay in, as upstream has them.
 */
import type { PolicyRule } from '../rules.js';

export const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = [...READ, ...WRITE];
const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
});

export const AGGREGATE_LABEL = (to: string): string => `rbac.authorization.k8s.io/aggregate-to-${to}`;

export interface RoleSpec {
  name: string;
  rules: PolicyRule[];
  labels?: Record<string, string>;
  aggregateFrom?: string;
}

const VIEW: PolicyRule[] = [
  rule(
    READ,
    [''],
    [
      'pods',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/status',
      'endpoints',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'configmaps',
    ],
  ),
  rule(
    READ,
    [''],
    [
      'limitranges',
      'resourcequotas',
      'bindings',
      'events',
      'pods/status',
      'resourcequotas/status',
      'namespaces/status',
      'replicationcontrollers/status',
      'pods/log',
    ],
  ),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(
    READ,
    ['apps'],
    [
      'controllerrevisions',
      'statefulsets',
      'statefulsets/scale',
      'statefulsets/status',
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
    ],
  ),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
  rule(
    READ,
    ['extensions'],
    [
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'ingresses',
      'ingresses/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
      'replicationcontrollers/scale',
      'networkpolicies',
    ],
  ),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
];

const EDIT: PolicyRule[] = [
  rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(['create'], [''], ['pods/eviction']),
  rule(
    WRITE,
    [''],
    [
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/proxy',
      'persistentvolumeclaims',
      'configmaps',
      'secrets',
      'events',
    ],
  ),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(
    WRITE,
    ['apps'],
    [
      'statefulsets',
      'statefulsets/scale',
      'daemonsets',
      'deployments',
      'deployments/scale',
      'deployments/rollback',
      'replicasets',
      'replicasets/scale',
    ],
  ),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
  rule(
    WRITE,
    ['extensions'],
    [
      'daemonsets',
      'deployments',
      'deployments/scale',
      'deployments/rollback',
      'ingresses',
      'replicasets',
      'replicasets/scale',
      'replicationcontrollers/scale',
      'networkpolicies',
    ],
  ),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
  rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
];

const ADMIN: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings']),
];

export const USER_FACING_ROLES: RoleSpec[] = [
  {
    name: 'cluster-admin',
    rules: [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ],
  },
  { name: 'admin', rules: [], aggregateFrom: 'admin' },
  { name: 'edit', rules: [], aggregateFrom: 'edit', labels: { [AGGREGATE_LABEL('admin')]: 'true' } },
  { name: 'view', rules: [], aggregateFrom: 'view', labels: { [AGGREGATE_LABEL('edit')]: 'true' } },
  { name: 'system:aggregate-to-admin', rules: ADMIN, labels: { [AGGREGATE_LABEL('admin')]: 'true' } },
  { name: 'system:aggregate-to-edit', rules: EDIT, labels: { [AGGREGATE_LABEL('edit')]: 'true' } },
  { name: 'system:aggregate-to-view', rules: VIEW, labels: { [AGGREGATE_LABEL('view')]: 'true' } },
];
