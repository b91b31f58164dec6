/**
 * Upstream's impersonation filter: `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and
 * `Impersonate-Extra-<key>` headers (kubectl's --as, --as-group, --as-uid) make the request act as
 * that user, if the caller may `impersonate` each of them: users (or serviceaccounts for
 * `system:serviceaccount:NS:NAME`), groups, uids and userextras/<key>. A refusal is upstream's 403
 * (`users "jane" is forbidden: User "bob" cannot impersonate resource "users" ...`).
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '@kubelab/proto';
import { type Attributes, forbidden, resourceAttributes } from '../auth/attributes.js';
import type { Authorizer } from '../auth/authorizer.js';
import { serviceAccountOf } from '../auth/rbac/subjects.js';
import { ANONYMOUS_USER, GROUPS, type UserInfo } from '../auth/user.js';

const EXTRA = 'impersonate-extra-';
const values = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Wanted {
  name?: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

function wanted(req: IncomingMessage): Wanted {
  const h = req.headers;
  const w: Wanted = { groups: values(h['impersonate-group']), extra: {} };
  const name = values(h['impersonate-user'])[0];
  if (name !== undefined) w.name = name;
  const uid = values(h['impersonate-uid'])[0];
  if (uid !== undefined) w.uid = uid;
  for (const [k, v] of Object.entries(h))
    if (k.startsWith(EXTRA)) w.extra[decodeURIComponent(k.slice(EXTRA.length))] = values(v);
  return w;
}

function checks(caller: UserInfo, w: Wanted & { name: string }): Attributes[] {
  const sa = serviceAccountOf(w.name);
  const out = [
    sa
      ? resourceAttributes(caller, 'impersonate', {
          resource: 'serviceaccounts',
          namespace: sa.namespace,
          name: sa.name,
        })
      : resourceAttributes(caller, 'impersonate', { resource: 'users', name: w.name }),
  ];
  for (const g of w.groups) out.push(resourceAttributes(caller, 'impersonate', { resource: 'groups', name: g }));
  if (w.uid !== undefined)
    out.push(
      resourceAttributes(caller, 'impersonate', { apiGroup: 'authentication.k8s.io', resource: 'uids', name: w.uid }),
    );
  for (const [key, vs] of Object.entries(w.extra))
    for (const v of vs)
      out.push(
        resourceAttributes(caller, 'impersonate', {
          apiGroup: 'authentication.k8s.io',
          resource: 'userextras',
          subresource: key,
          name: v,
        }),
      );
  return out;
}

/** The user the request acts as: the caller, or whom it may impersonate; throws 400/403 otherwise. */
export async function impersonate(req: IncomingMessage, caller: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  const w = wanted(req);
  if (w.name === undefined) {
    if (w.groups.length || w.uid !== undefined || Object.keys(w.extra).length)
      throw new ApiError(
        'BadRequest',
        `requested impersonation of groups ${JSON.stringify(w.groups)} without impersonating a user`,
      );
    return caller;
  }
  const target = { ...w, name: w.name };
  for (const a of checks(caller, target)) {
    const v = await authorizer.authorize(a);
    if (v.decision !== 'allow') throw forbidden(a, v.reason);
  }
  const groups = [...w.groups];
  const sa = serviceAccountOf(w.name);
  if (sa && groups.length === 0) groups.push('system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`);
  if (w.name === ANONYMOUS_USER.name) {
    if (!groups.includes(GROUPS.unauthenticated)) groups.push(GROUPS.unauthenticated);
  } else if (!groups.includes(GROUPS.authenticated) && !groups.includes(GROUPS.unauthenticated))
    groups.push(GROUPS.authenticated);
  const user: UserInfo = { name: w.name, groups };
  if (w.uid !== undefined) user.uid = w.uid;
  if (Object.keys(w.extra).length) user.extra = w.extra;
  return user;
}
