/**
 * Authorization as upstream's union of authorizers: each says allow, deny or no opinion (with a
 * reason); the first allow or deny decides, and a request nobody allows is forbidden with the
 * reasons given. The chain today: system:masters, the Node authorizer, the static policy table;
 * RBAC is one more Authorizer appended to it.
 */
import { type Attributes, forbidden } from './attributes.js';
import type { PolicyRule } from './rules.js';
import { GROUPS, type UserInfo } from './user.js';

export type Decision = 'allow' | 'deny' | 'noopinion';

export interface Verdict {
  decision: Decision;
  /** Why (shown after the 403 message when the request is refused); "" when there is nothing to add. */
  reason: string;
}

/** What a user may do in a namespace, as upstream's RuleResolver answers (SelfSubjectRulesReview). */
export interface RuleSet {
  resourceRules: PolicyRule[];
  nonResourceRules: PolicyRule[];
  /** Some authorizer could not list its rules (the answer may miss some). */
  incomplete: boolean;
  errors: string[];
}

export interface Authorizer {
  authorize(a: Attributes): Verdict | Promise<Verdict>;
  /** The rules this authorizer grants the user in the namespace; absent when it cannot list them. */
  rulesFor?(user: UserInfo, namespace: string): RuleSet | Promise<RuleSet>;
}

export const ALLOW: Verdict = { decision: 'allow', reason: '' };
export const NO_OPINION: Verdict = { decision: 'noopinion', reason: '' };

/** Upstream's privileged-groups authorizer: system:masters may do everything. */
export const mastersAuthorizer: Authorizer = {
  authorize: (a) => (a.user.groups.includes(GROUPS.masters) ? ALLOW : NO_OPINION),
};

const PUBLIC_ROOTS = ['/healthz', '/livez', '/readyz'];

/**
 * The health checks and /version may always be read (upstream's always-allowed paths): they answer
 * before the RBAC objects are loaded and whatever becomes of system:public-info-viewer.
 */
export const publicPathsAuthorizer: Authorizer = {
  authorize: (a) =>
    !a.resourceRequest &&
    a.verb === 'get' &&
    (a.path === '/version' ||
      a.path === '/version/' ||
      PUBLIC_ROOTS.some((p) => a.path === p || a.path.startsWith(`${p}/`)))
      ? ALLOW
      : NO_OPINION,
};

/** The union: first allow or deny wins; the reasons of the no-opinions are joined. */
export function chainAuthorizers(...chain: Authorizer[]): Authorizer {
  return {
    async rulesFor(user, namespace) {
      const out: RuleSet = { resourceRules: [], nonResourceRules: [], incomplete: false, errors: [] };
      for (const z of chain) {
        if (!z.rulesFor) continue;
        const r = await z.rulesFor(user, namespace);
        out.resourceRules.push(...r.resourceRules);
        out.nonResourceRules.push(...r.nonResourceRules);
        out.incomplete ||= r.incomplete;
        out.errors.push(...r.errors);
      }
      return out;
    },
    async authorize(a) {
      const reasons: string[] = [];
      for (const z of chain) {
        const v = await z.authorize(a);
        if (v.decision !== 'noopinion') return v;
        if (v.reason) reasons.push(v.reason);
      }
      return { decision: 'noopinion', reason: reasons.join(', ') };
    },
  };
}

/** Throws upstream's 403 unless the authorizer allows the request. */
export async function authorizeOrThrow(z: Authorizer, a: Attributes): Promise<void> {
  const v = await z.authorize(a);
  if (v.decision !== 'allow') throw forbidden(a, v.reason);
}
