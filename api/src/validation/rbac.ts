/**
 * RBAC validation (pkg/apis/rbac/validation): names are path segments; every rule has verbs, and
 * either nonResourceURLs (ClusterRoles only, nothing else beside them) or apiGroups and
 * resources; a binding's roleRef names a Role or ClusterRole in the RBAC group and never changes;
 * subjects are Users, Groups (RBAC group) or ServiceAccounts (core group, with a namespace in
 * ClusterRoleBindings).
 */
import { checkSubdomain } from '../names.js';
import { type BindingObject, RBAC_GROUP, type RoleObject } from '../rbac-types.js';
import type { KubeObject } from '../types.js';
import { type FieldError, GoRepr, invalid, notSupported, required } from './errors.js';
import { asArray, asRecord, validateObjectMeta } from './meta.js';

/** Upstream's path.IsValidPathSegmentName. */
export function checkPathSegment(name: string): string | undefined {
  if (name === '.' || name === '..') return `may not be '${name}'`;
  for (const c of ['/', '%']) if (name.includes(c)) return `may not contain '${c}'`;
  return undefined;
}

const strings = (v: unknown): string[] => asArray(v).map(String);

export function validatePolicyRule(raw: unknown, namespaced: boolean, f: string): FieldError[] {
  const r = asRecord(raw);
  const errs: FieldError[] = [];
  if (strings(r['verbs']).length === 0) errs.push(required(`${f}.verbs`, 'verbs must contain at least one value'));
  const urls = strings(r['nonResourceURLs']);
  if (urls.length > 0) {
    if (namespaced)
      errs.push(invalid(`${f}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (strings(r['apiGroups']).length || strings(r['resources']).length || strings(r['resourceNames']).length) {
      errs.push(
        invalid(`${f}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'),
      );
    }
    return errs;
  }
  if (strings(r['apiGroups']).length === 0)
    errs.push(required(`${f}.apiGroups`, 'resource rules must supply at least one api group'));
  if (strings(r['resources']).length === 0)
    errs.push(required(`${f}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function rulesErrors(o: RoleObject, namespaced: boolean): FieldError[] {
  return asArray(o.rules).flatMap((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

export function validateRole(o: KubeObject): FieldError[] {
  return [
    ...validateObjectMeta(o.metadata, { namespaced: true, checkName: checkPathSegment }),
    ...rulesErrors(o as RoleObject, true),
  ];
}

export function validateClusterRole(o: KubeObject): FieldError[] {
  const role = o as RoleObject;
  const errs = [
    ...validateObjectMeta(o.metadata, { namespaced: false, checkName: checkPathSegment }),
    ...rulesErrors(role, false),
  ];
  if (role.aggregationRule !== undefined && role.aggregationRule !== null) {
    const sel = asArray(asRecord(role.aggregationRule)['clusterRoleSelectors']);
    if (sel.length === 0)
      errs.push(
        required(
          'aggregationRule.clusterRoleSelectors',
          'at least one clusterRoleSelector required if aggregationRule is non-nil',
        ),
      );
  }
  return errs;
}

function subjectErrors(raw: unknown, namespaced: boolean, f: string): FieldError[] {
  const s = asRecord(raw);
  const name = String(s['name'] ?? '');
  const group = String(s['apiGroup'] ?? '');
  const errs: FieldError[] = [];
  if (!name) errs.push(required(`${f}.name`, ''));
  switch (s['kind']) {
    case 'ServiceAccount': {
      const msg = name ? checkSubdomain(name) : undefined;
      if (msg) errs.push(invalid(`${f}.name`, name, msg));
      if (group !== '') errs.push(notSupported(`${f}.apiGroup`, group, ['']));
      if (!namespaced && !s['namespace']) errs.push(required(`${f}.namespace`, ''));
      break;
    }
    case 'User':
    case 'Group':
      if (group !== RBAC_GROUP) errs.push(notSupported(`${f}.apiGroup`, group, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${f}.kind`, s['kind'] ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

const roleRefRepr = (r: Record<string, unknown>) =>
  new GoRepr(
    `rbac.RoleRef{APIGroup:${JSON.stringify(String(r['apiGroup'] ?? ''))}, Kind:${JSON.stringify(String(r['kind'] ?? ''))}, Name:${JSON.stringify(String(r['name'] ?? ''))}}`,
  );

function bindingErrors(o: KubeObject, namespaced: boolean, old?: KubeObject): FieldError[] {
  const b = o as BindingObject;
  const ref = asRecord(b.roleRef);
  const errs = validateObjectMeta(o.metadata, { namespaced, checkName: checkPathSegment });
  if (ref['apiGroup'] !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', ref['apiGroup'] ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(String(ref['kind'] ?? ''))) errs.push(notSupported('roleRef.kind', ref['kind'] ?? '', kinds));
  const name = String(ref['name'] ?? '');
  if (!name) errs.push(required('roleRef.name', ''));
  else {
    const msg = checkPathSegment(name);
    if (msg) errs.push(invalid('roleRef.name', name, msg));
  }
  asArray(b.subjects).forEach((s, i) => errs.push(...subjectErrors(s, namespaced, `subjects[${i}]`)));
  if (old) {
    const before = asRecord((old as BindingObject).roleRef);
    if (['apiGroup', 'kind', 'name'].some((k) => before[k] !== ref[k]))
      errs.push(invalid('roleRef', roleRefRepr(ref), 'cannot change roleRef'));
  }
  return errs;
}

export const validateRoleBinding = (o: KubeObject, old?: KubeObject): FieldError[] => bindingErrors(o, true, old);
export const validateClusterRoleBinding = (o: KubeObject, old?: KubeObject): FieldError[] =>
  bindingErrors(o, false, old);
