/**
 * The access reviews about others and the rules review (authorization.k8s.io/v1), answered by the
 * apiserver's authorizer and never stored: SubjectAccessReview (may this user and these groups do
 * this?), LocalSubjectAccessReview (the same in one namespace: an admin's question), and
 * SelfSubjectRulesReview (what may I do in this namespace: `kubectl auth can-i --list`).
 */
import { ApiError } from '@kubelab/proto';
import type { Authorizer } from '../../auth/authorizer.js';
import type { UserInfo } from '../../auth/user.js';
import type { RequestContext } from '../context.js';
import { sendJson } from '../respond.js';
import { accessReviewAttributes, accessStatus, body, type Json, obj, str } from './reviews.js';

const SAR = /^\/apis\/authorization\.k8s\.io\/v1\/subjectaccessreviews$/;
const LSAR = /^\/apis\/authorization\.k8s\.io\/v1\/namespaces\/([^/]+)\/localsubjectaccessreviews$/;
const SSRR = /^\/apis\/authorization\.k8s\.io\/v1\/selfsubjectrulesreviews$/;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const invalid = (kind: string, what: string) =>
  new ApiError('Invalid', `${kind}.authorization.k8s.io "" is invalid: ${what}`);

/** The user a SubjectAccessReview asks about (spec.user, groups, uid, extra). */
function subjectOf(kind: string, spec: Json): UserInfo {
  const name = str(spec['user']);
  const groups = strings(spec['groups']);
  if (!name && groups.length === 0)
    throw invalid(kind, 'spec.user: Invalid value: "": at least one of user or group must be specified');
  const u: UserInfo = { name, groups };
  if (str(spec['uid'])) u.uid = str(spec['uid']);
  const extra = obj(spec['extra']);
  if (Object.keys(extra).length) u.extra = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, strings(v)]));
  return u;
}

async function subjectReview(
  ctx: RequestContext,
  authorizer: Authorizer,
  kind: string,
  namespace?: string,
): Promise<void> {
  const review = await body(ctx);
  const spec = obj(review['spec']);
  const ra = obj(spec['resourceAttributes']);
  if (namespace !== undefined && spec['resourceAttributes'] !== undefined && str(ra['namespace']) !== namespace) {
    throw invalid(
      kind,
      `spec.resourceAttributes.namespace: Invalid value: ${JSON.stringify(str(ra['namespace']))}: must match metadata.namespace`,
    );
  }
  if (namespace !== undefined && spec['nonResourceAttributes'] !== undefined)
    throw invalid(kind, 'spec.nonResourceAttributes: Invalid value: "": disallowed on this kind of request');
  const status = await accessStatus(authorizer, accessReviewAttributes(subjectOf(kind, spec), spec, kind));
  const metadata: Json = { creationTimestamp: null, ...(namespace !== undefined ? { namespace } : {}) };
  sendJson(ctx.res, 201, { kind, apiVersion: 'authorization.k8s.io/v1', metadata, spec, status });
}

async function rulesReview(ctx: RequestContext, authorizer: Authorizer): Promise<void> {
  const review = await body(ctx);
  const spec = obj(review['spec']);
  const rules = authorizer.rulesFor
    ? await authorizer.rulesFor(ctx.user, str(spec['namespace']))
    : { resourceRules: [], nonResourceRules: [], incomplete: true, errors: [] };
  const status: Json = {
    resourceRules: rules.resourceRules,
    nonResourceRules: rules.nonResourceRules,
    incomplete: rules.incomplete,
  };
  if (rules.errors.length) status['evaluationError'] = rules.errors.join(', ');
  sendJson(ctx.res, 201, {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  });
}

/** Serves these review paths; false for any other path. */
export async function serveAccessReviews(ctx: RequestContext, path: string, authorizer: Authorizer): Promise<boolean> {
  if (SAR.test(path)) await subjectReview(ctx, authorizer, 'SubjectAccessReview');
  else if (SSRR.test(path)) await rulesReview(ctx, authorizer);
  else {
    const m = LSAR.exec(path);
    if (!m) return false;
    await subjectReview(ctx, authorizer, 'LocalSubjectAccessReview', decodeURIComponent(m[1]!));
  }
  return true;
}
