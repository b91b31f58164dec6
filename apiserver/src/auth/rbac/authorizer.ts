/**
 * Upstream's RBAC authorizer (plugin/pkg/auth/authorizer/rbac): a request is allowed when a rule of
 * a role bound to its user, one of its groups or its ServiceAccount allows it — ClusterRoleBindings
 * everywhere, RoleBindings in their namespace. RBAC never denies: otherwise no opinion, with the
 * roles it could not find as the reason (`RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`).
 */
import type { BindingObject, RoleObject } from '@kubelab/api';
import type { Attributes } from '../attributes.js';
import type { Authorizer, Verdict } from '../authorizer.js';
import { type PolicyRule, rulesAllow } from '../rules.js';
import type { UserInfo } from '../user.js';
import type { RbacIndex } from './rbac-index.js';
import { describeSubject, userKeys } from './subjects.js';

export type IndexSource = () => RbacIndex | Promise<RbacIndex>;

/** The role a binding refers to, or the error upstream reports when it is missing. */
export function roleOf(ix: RbacIndex, b: BindingObject): RoleObject | string {
  const ns = b.metadata.namespace ?? '';
  const ref = b.roleRef;
  const role = ref.kind === 'Role' ? ix.role(ns, ref.name) : ix.clusterRole(ref.name);
  return role ?? `${ref.kind.toLowerCase()}.rbac.authorization.k8s.io "${ref.name}" not found`;
}

export interface Grant {
  binding: BindingObject;
  role: RoleObject;
  key: string;
}

/** Every (binding, role) that applies to the user in these scopes ("" = cluster-wide); missing roles in errors. */
export function* grants(ix: RbacIndex, user: UserInfo, namespace: string, errors: string[] = []): Generator<Grant> {
  const keys = userKeys(user);
  for (const scope of namespace ? ['', namespace] : ['']) {
    for (const key of keys) {
      for (const binding of ix.bindingsOf(scope, key)) {
        const role = roleOf(ix, binding);
        if (typeof role === 'string') errors.push(role);
        else yield { binding, role, key };
      }
    }
  }
}

/** The rules a user holds in a namespace ("" = the cluster-wide ones only), as upstream's RulesFor. */
export function rulesFor(ix: RbacIndex, user: UserInfo, namespace: string, errors: string[] = []): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of grants(ix, user, namespace, errors)) out.push(...((g.role.rules ?? []) as PolicyRule[]));
  return out;
}

const aggregate = (errs: string[]) =>
  [...new Set(errs)].length === 1 ? errs[0]! : `[${[...new Set(errs)].join(', ')}]`;

export function rbacAuthorizer(source: IndexSource): Authorizer {
  return {
    async rulesFor(user, namespace) {
      const errors: string[] = [];
      const rules = rulesFor(await source(), user, namespace, errors);
      const resourceRules = rules
        .filter((r) => r.resources?.length)
        .map((r) => ({
          verbs: r.verbs,
          apiGroups: r.apiGroups ?? [],
          resources: r.resources ?? [],
          ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
        }));
      const nonResourceRules = rules
        .filter((r) => r.nonResourceURLs?.length)
        .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] }));
      return { resourceRules, nonResourceRules, incomplete: errors.length > 0, errors: [...new Set(errors)] };
    },
    async authorize(a: Attributes): Promise<Verdict> {
      const ix = await source();
      const errors: string[] = [];
      for (const g of grants(ix, a.user, a.resourceRequest ? a.namespace : '', errors)) {
        if (!rulesAllow((g.role.rules ?? []) as PolicyRule[], a)) continue;
        const b = g.binding;
        const where = b.metadata.namespace
          ? `RoleBinding "${b.metadata.name}/${b.metadata.namespace}"`
          : `ClusterRoleBinding "${b.metadata.name}"`;
        return {
          decision: 'allow',
          reason: `RBAC: allowed by ${where} of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(g.key)}`,
        };
      }
      return { decision: 'noopinion', reason: errors.length ? `RBAC: ${aggregate(errors)}` : '' };
    },
  };
}
