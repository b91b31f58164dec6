/** rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding, as upstream's. */
import type { KubeObject } from './types.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RbacSubject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface RoleObject extends KubeObject {
  rules?: PolicyRule[];
  /** ClusterRoles only: the rules are filled from the ClusterRoles these selectors pick. */
  aggregationRule?: { clusterRoleSelectors?: LabelSelectorLike[] };
}

export interface BindingObject extends KubeObject {
  subjects?: RbacSubject[];
  roleRef: RoleRef;
}

/** Upstream's subject defaulting: Users and Groups are in the RBAC group, ServiceAccounts in core. */
export function defaultBinding(o: KubeObject): void {
  const b = o as BindingObject;
  if (b.roleRef && typeof b.roleRef === 'object' && !b.roleRef.apiGroup) b.roleRef.apiGroup = RBAC_GROUP;
  for (const s of Array.isArray(b.subjects) ? b.subjects : []) {
    if (s && typeof s === 'object' && s.apiGroup === undefined)
      s.apiGroup = s.kind === 'ServiceAccount' ? '' : RBAC_GROUP;
  }
}
