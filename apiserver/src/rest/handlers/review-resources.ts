/**
 * The review APIs (authentication.k8s.io and authorization.k8s.io): create-only kinds that are
 * answered, never stored (handlers/reviews.ts, handlers/access-reviews.ts). Listed in discovery as
 * upstream lists them, so `kubectl api-resources` shows them; they are not in RESOURCES, which is
 * the table of stored kinds.
 */
import type { ResourceInfo } from '@kubelab/api';

function review(group: string, resource: string, kind: string, namespaced = false): ResourceInfo {
  return {
    resource,
    singular: '',
    kind,
    listKind: `${kind}List`,
    group,
    version: 'v1',
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ['create'],
    subresources: [],
  };
}

const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';

export const REVIEW_RESOURCES: ResourceInfo[] = [
  review(AUTHN, 'selfsubjectreviews', 'SelfSubjectReview'),
  review(AUTHZ, 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true),
  review(AUTHZ, 'selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
  review(AUTHZ, 'selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
  review(AUTHZ, 'subjectaccessreviews', 'SubjectAccessReview'),
];
