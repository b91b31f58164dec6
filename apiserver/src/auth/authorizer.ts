/**
 * Authorization as upstream's union of authorizers: each says allow, deny or no opinion (with a
 * reason); the first allow or deny decides, and a request nobody allows is forbidden with the
 * reasons given. The chain today: system:masters, the Node authorizer, the static policy table;
 * RBAC is one more Authorizer appended to it.
 */
import { type Attributes, forbidden } from './attributes.js';
import { GROUPS } from './user.js';

export type Decision = 'allow' | 'deny' | 'noopinion';

export interface Verdict {
  decision: Decision;
  /** Why (shown after the 403 message when the request is refused); "" when there is nothing to add. */
  reason: string;
}

export interface Authorizer {
  authorize(a: Attributes): Verdict | Promise<Verdict>;
}

export const ALLOW: Verdict = { decision: 'allow', reason: '' };
export const NO_OPINION: Verdict = { decision: 'noopinion', reason: '' };

/** Upstream's privileged-groups authorizer: system:masters may do everything. */
export const mastersAuthorizer: Authorizer = {
  authorize: (a) => (a.user.groups.includes(GROUPS.masters) ? ALLOW : NO_OPINION),
};

/** The union: first allow or deny wins; the reasons of the no-opinions are joined. */
export function chainAuthorizers(...chain: Authorizer[]): Authorizer {
  return {
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
