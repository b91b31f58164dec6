/**
 * Subjects as keys: a binding names Users, Groups and ServiceAccounts; a request's user matches a
 * binding when they share a key. `system:serviceaccount:NS:NAME` is the ServiceAccount NS/NAME
 * (and in the groups system:serviceaccounts and system:serviceaccounts:NS, which its
 * authentication adds).
 */
import type { BindingObject } from '@kubelab/api';
import type { UserInfo } from '../user.js';

const SA_PREFIX = 'system:serviceaccount:';

/** NS and NAME of a ServiceAccount user name, or undefined. */
export function serviceAccountOf(userName: string): { namespace: string; name: string } | undefined {
  if (!userName.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name, ...rest] = userName.slice(SA_PREFIX.length).split(':');
  return namespace && name && rest.length === 0 ? { namespace, name } : undefined;
}

export function userKeys(user: UserInfo): string[] {
  const keys = [`User:${user.name}`, ...user.groups.map((g) => `Group:${g}`)];
  const sa = serviceAccountOf(user.name);
  if (sa) keys.push(`ServiceAccount:${sa.namespace}:${sa.name}`);
  return keys;
}

/** The keys of a binding's subjects; a ServiceAccount without a namespace is in the binding's. */
export function bindingKeys(b: BindingObject): string[] {
  const ns = b.metadata.namespace ?? '';
  return (b.subjects ?? []).map((s) =>
    s.kind === 'ServiceAccount' ? `ServiceAccount:${s.namespace || ns}:${s.name}` : `${s.kind}:${s.name}`,
  );
}

/** `User "jane"`, `Group "g"`, `ServiceAccount "ns/sa"`: how upstream's reasons name a subject. */
export function describeSubject(key: string): string {
  const [kind, ...rest] = key.split(':');
  const name = kind === 'ServiceAccount' ? rest.join('/') : rest.join(':');
  return `${kind} "${name}"`;
}
