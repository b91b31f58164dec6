/**
 * Upstream's escalation prevention (pkg/registry/rbac/{role,clusterrole,rolebinding,
 * clusterrolebinding}/policybased): a user may write a Role or ClusterRole only with rules they
 * already hold (where the role applies), unless they may `escalate` it; and may write a binding
 * only to a role whose rules they hold, unless they may `bind` it. Setting an aggregationRule
 * needs every permission. system:masters skips the checks. Refusals are upstream's 403:
 * `user "jane" (groups=[...]) is attempting to grant RBAC permissions not currently held:`.
 */
import { type BindingObject, RBAC_GROUP, type RoleObject } from '@kubelab/api';
import { forbiddenFor, resourceAttributes } from '../attributes.js';
import type { AdmissionPlugin, AdmissionRequest } from '../admission.js';
import type { Authorizer } from '../authorizer.js';
import type { PolicyRule } from '../rules.js';
import { GROUPS, type UserInfo } from '../user.js';
import { type IndexSource, roleOf, rulesFor } from './authorizer.js';
import { compact, ruleString, uncovered } from './covers.js';

const ROLE_KINDS = new Set(['roles', 'clusterroles']);
const BINDING_KINDS = new Set(['rolebindings', 'clusterrolebindings']);
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

async function allowed(
  z: Authorizer,
  user: UserInfo,
  verb: string,
  resource: string,
  namespace: string,
  name: string,
): Promise<boolean> {
  return (
    (await z.authorize(resourceAttributes(user, verb, { apiGroup: RBAC_GROUP, resource, namespace, name })))
      .decision === 'allow'
  );
}

/** Why these rules are not the user's to grant, or undefined (upstream's ConfirmNoEscalation). */
async function escalationError(
  source: IndexSource,
  user: UserInfo,
  namespace: string,
  rules: PolicyRule[],
): Promise<string | undefined> {
  const errors: string[] = [];
  const missing = uncovered(rulesFor(await source(), user, namespace, errors), rules);
  if (missing.length === 0) return undefined;
  const lines = [...new Set(compact(missing).map(ruleString))].sort();
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  let msg = `user ${JSON.stringify(user.name)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (errors.length) msg += `; resolution errors: [${[...new Set(errors)].join(' ')}]`;
  return msg;
}

async function checkRole(z: Authorizer, source: IndexSource, r: AdmissionRequest): Promise<void> {
  const role = r.object as RoleObject;
  if (await allowed(z, r.user, 'escalate', r.resource, r.namespace, r.name)) return;
  const refuse = (why: string): never => {
    throw forbiddenFor(RBAC_GROUP, r.resource, r.name, why);
  };
  if (
    r.resource === 'clusterroles' &&
    role.aggregationRule &&
    (await escalationError(source, r.user, '', FULL_AUTHORITY))
  )
    refuse('must have cluster-admin privileges to use the aggregationRule');
  if (r.operation === 'UPDATE') {
    const old = (await r.oldObject()) as RoleObject | undefined;
    if (old && JSON.stringify(old.rules ?? []) === JSON.stringify(role.rules ?? [])) return;
  }
  const why = await escalationError(source, r.user, r.namespace, (role.rules ?? []) as PolicyRule[]);
  if (why) refuse(why);
}

async function checkBinding(z: Authorizer, source: IndexSource, r: AdmissionRequest): Promise<void> {
  const b = r.object as BindingObject;
  if (r.operation === 'UPDATE') {
    const old = (await r.oldObject()) as BindingObject | undefined;
    if (
      old &&
      JSON.stringify(old.roleRef) === JSON.stringify(b.roleRef) &&
      JSON.stringify(old.subjects ?? []) === JSON.stringify(b.subjects ?? [])
    )
      return;
  }
  const ref = b.roleRef ?? { kind: '', name: '', apiGroup: '' };
  const refResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
  if (await allowed(z, r.user, 'bind', refResource, r.namespace, ref.name)) return;
  const role = roleOf(await source(), { ...b, metadata: { ...b.metadata, namespace: r.namespace } } as BindingObject);
  if (typeof role === 'string') throw forbiddenFor(RBAC_GROUP, r.resource, r.name, role);
  const why = await escalationError(source, r.user, r.namespace, (role.rules ?? []) as PolicyRule[]);
  if (why) throw forbiddenFor(RBAC_GROUP, r.resource, r.name, why);
}

export function rbacEscalation(authorizer: Authorizer, source: IndexSource): AdmissionPlugin {
  return {
    async admit(r) {
      if ((r.operation !== 'CREATE' && r.operation !== 'UPDATE') || r.subresource || !r.object) return undefined;
      if (r.user.groups.includes(GROUPS.masters)) return undefined;
      if (ROLE_KINDS.has(r.resource)) await checkRole(authorizer, source, r);
      else if (BINDING_KINDS.has(r.resource)) await checkBinding(authorizer, source, r);
      return undefined;
    },
  };
}
