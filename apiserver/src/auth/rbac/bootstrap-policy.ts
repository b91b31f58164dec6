/**
 * The bootstrap policy as stored objects, as upstream's bootstrappolicy package: the user-facing
 * roles (user-facing-roles.ts) and the component roles of the policy table (policy.ts), each
 * labelled `kubernetes.io/bootstrapping: rbac-defaults` and annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` (reconcile.ts keeps them complete), with
 * their ClusterRoleBindings (and a RoleBinding for a grant that holds in one namespace only).
 */
import { type BindingObject, RBAC_GROUP, type RoleObject } from '@kubelab/api';
import { BINDINGS, ROLES } from '../policy.js';
import { GROUPS } from '../user.js';
import { AGGREGATE_LABEL, USER_FACING_ROLES } from './user-facing-roles.js';

export const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const META = () => ({
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { [AUTOUPDATE]: 'true' },
});
const API_VERSION = `${RBAC_GROUP}/v1`;

export function bootstrapClusterRoles(): RoleObject[] {
  const fromTable: RoleObject[] = ROLES.map((r) => ({
    apiVersion: API_VERSION,
    kind: 'ClusterRole',
    metadata: { name: r.name, ...META() },
    rules: r.rules.map((x) => ({ ...x, verbs: [...x.verbs] })) as RoleObject['rules'],
  }));
  const userFacing: RoleObject[] = USER_FACING_ROLES.map((r) => {
    const meta = META();
    const o: RoleObject = {
      apiVersion: API_VERSION,
      kind: 'ClusterRole',
      metadata: { name: r.name, ...meta, labels: { ...meta.labels, ...r.labels } },
      rules: r.rules as RoleObject['rules'],
    };
    if (r.aggregateFrom)
      o.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_LABEL(r.aggregateFrom)]: 'true' } }] };
    return o;
  });
  return [...userFacing, ...fromTable];
}

const subject = (s: { kind: string; name: string }) => ({ kind: s.kind, apiGroup: RBAC_GROUP, name: s.name });

/** ClusterRoleBindings (namespace "") and RoleBindings (a namespace) of the bootstrap policy. */
export function bootstrapBindings(): { namespace: string; binding: BindingObject }[] {
  const all = [
    { role: 'cluster-admin', subjects: [{ kind: 'Group', name: GROUPS.masters }] as const, namespace: undefined },
    ...BINDINGS,
  ];
  return all.map((b) => {
    const kind = b.namespace === undefined ? 'ClusterRoleBinding' : 'RoleBinding';
    const metadata = { name: b.role, ...(b.namespace === undefined ? {} : { namespace: b.namespace }), ...META() };
    return {
      namespace: b.namespace ?? '',
      binding: {
        apiVersion: API_VERSION,
        kind,
        metadata,
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: b.role },
        subjects: b.subjects.map(subject),
      },
    };
  });
}
