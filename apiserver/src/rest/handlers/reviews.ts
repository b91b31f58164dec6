/**
 * The review APIs a caller asks about itself, answered from the request's own identity and the
 * apiserver's authorizer, never stored: authorization.k8s.io/v1 SelfSubjectAccessReview (`kubectl
 * auth can-i`: may I do this?) and authentication.k8s.io SelfSubjectReview (`kubectl auth whoami`:
 * who am I?), served at v1 and v1beta1 as upstream.
 */
import { type Attributes, pathAttributes, resourceAttributes } from '../../auth/attributes.js';
import type { Authorizer } from '../../auth/authorizer.js';
import type { UserInfo } from '../../auth/user.js';
import { ApiError } from '@kubelab/proto';
import type { RequestContext } from '../context.js';
import { readBody } from '../body.js';
import { readRequestBody } from '../decode/request-body.js';
import { errMethodNotAllowed, sendJson } from '../respond.js';

const SSAR = /^\/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews$/;
const SSR = /^\/apis\/authentication\.k8s\.io\/(v1|v1beta1)\/selfsubjectreviews$/;

export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export async function body(ctx: RequestContext): Promise<Json> {
  if (ctx.method !== 'POST') throw errMethodNotAllowed();
  return obj(readRequestBody(await readBody(ctx.req), ctx.req.headers['content-type']).value);
}

/** The attributes a SelfSubjectAccessReview asks about, for the caller. */
export function reviewAttributes(ctx: RequestContext, spec: Json): Attributes {
  return accessReviewAttributes(ctx.user, spec, 'SelfSubjectAccessReview');
}

/** The attributes an access review (`kind`) asks about, for this user. */
export function accessReviewAttributes(user: UserInfo, spec: Json, kind: string): Attributes {
  const ra = spec['resourceAttributes'];
  const nra = spec['nonResourceAttributes'];
  if (ra !== undefined && nra !== undefined)
    throw new ApiError(
      'Invalid',
      `${kind}.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "": cannot be specified in combination with nonResourceAttributes`,
    );
  if (nra !== undefined) return pathAttributes(user, str(obj(nra)['verb']), str(obj(nra)['path']));
  if (ra === undefined)
    throw new ApiError(
      'Invalid',
      `${kind}.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
    );
  const r = obj(ra);
  return resourceAttributes(user, str(r['verb']), {
    apiGroup: str(r['group']),
    apiVersion: str(r['version']),
    resource: str(r['resource']),
    subresource: str(r['subresource']),
    namespace: str(r['namespace']),
    name: str(r['name']),
  });
}

/** An access review's status: allowed (or denied), and the authorizer's reason. */
export async function accessStatus(authorizer: Authorizer, a: Attributes): Promise<Json> {
  const v = await authorizer.authorize(a);
  const status: Json = { allowed: v.decision === 'allow' };
  if (v.decision === 'deny') status['denied'] = true;
  if (v.reason) status['reason'] = v.reason;
  return status;
}

/** Serves the review paths; false for any other path. */
export async function serveReviews(ctx: RequestContext, path: string, authorizer: Authorizer): Promise<boolean> {
  if (SSAR.test(path)) {
    const review = await body(ctx);
    const spec = obj(review['spec']);
    const status = await accessStatus(authorizer, reviewAttributes(ctx, spec));
    sendJson(ctx.res, 201, {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status,
    });
    return true;
  }
  const m = SSR.exec(path);
  if (m) {
    await body(ctx);
    const u = ctx.user;
    const userInfo: Json = { username: u.name, groups: u.groups };
    if (u.uid) userInfo['uid'] = u.uid;
    if (u.extra) userInfo['extra'] = u.extra;
    sendJson(ctx.res, 201, {
      kind: 'SelfSubjectReview',
      apiVersion: `authentication.k8s.io/${m[1]}`,
      metadata: { creationTimestamp: null },
      status: { userInfo },
    });
    return true;
  }
  return false;
}
