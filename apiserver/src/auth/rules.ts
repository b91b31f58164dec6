/**
 * Policy as data, shaped as RBAC (rbac.authorization.k8s.io/v1): roles are lists of rules, bindings
 * give a role to users and groups, cluster-wide or in one namespace. `policyAuthorizer` evaluates
 * such a table with RBAC's matching (`*` wildcards, `resource/subresource`, a status of any resource,
 * resourceNames, nonResourceURLs with a trailing `*`), so that the RBAC issue can load the same
 * table as bootstrap ClusterRoles and add stored ones.
 */
import type { Attributes } from './attributes.js';
import { ALLOW, type Authorizer, NO_OPINION } from './authorizer.js';
import type { UserInfo } from './user.js';

export interface PolicyRule {
  verbs: readonly string[];
  apiGroups?: readonly string[];
  resources?: readonly string[];
  resourceNames?: readonly string[];
  nonResourceURLs?: readonly string[];
}

export interface Role {
  name: string;
  rules: readonly PolicyRule[];
}

export interface Subject {
  kind: 'User' | 'Group';
  name: string;
}

export interface Binding {
  role: string;
  subjects: readonly Subject[];
  /** A RoleBinding: the role holds only in this namespace. A ClusterRoleBinding when absent. */
  namespace?: string;
}

const has = (list: readonly string[] | undefined, v: string): boolean =>
  !!list && (list.includes('*') || list.includes(v));

function resourceMatches(rule: PolicyRule, a: Attributes): boolean {
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`),
  );
}

function pathMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

/** Whether one rule allows the request (RBAC's RuleAllows). */
export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return pathMatches(rule, a.path);
  if (!has(rule.apiGroups, a.apiGroup) || !resourceMatches(rule, a)) return false;
  return !rule.resourceNames?.length || rule.resourceNames.includes(a.name);
}

export function rulesAllow(rules: readonly PolicyRule[], a: Attributes): boolean {
  return rules.some((r) => ruleAllows(r, a));
}

function appliesTo(b: Binding, user: UserInfo): boolean {
  return b.subjects.some((s) => (s.kind === 'User' ? s.name === user.name : user.groups.includes(s.name)));
}

/** The rules a user holds in a namespace ("" = cluster-wide only). */
export function rulesFor(
  roles: readonly Role[],
  bindings: readonly Binding[],
  user: UserInfo,
  namespace: string,
): PolicyRule[] {
  const byName = new Map(roles.map((r) => [r.name, r]));
  const out: PolicyRule[] = [];
  for (const b of bindings) {
    if (b.namespace !== undefined && b.namespace !== namespace) continue;
    if (!appliesTo(b, user)) continue;
    const role = byName.get(b.role);
    if (!role) throw new Error(`binding to unknown role ${b.role}`);
    out.push(...role.rules);
  }
  return out;
}

/** Allows what the table grants; no opinion otherwise (as RBAC, which never denies). */
export function policyAuthorizer(roles: readonly Role[], bindings: readonly Binding[]): Authorizer {
  return {
    authorize: (a) =>
      rulesAllow(rulesFor(roles, bindings, a.user, a.resourceRequest ? a.namespace : ''), a) ? ALLOW : NO_OPINION,
  };
}
