/** Messages of the access groups kubectl writes: rbac, authentication, authorization, certificates. */
import type { Table } from './schema.js';

export const RBAC_V1: Table = {
  Role: { 1: 'metadata:ObjectMeta', 2: 'rules:[]PolicyRule~' },
  ClusterRole: { 1: 'metadata:ObjectMeta', 2: 'rules:[]PolicyRule~', 3: 'aggregationRule:AggregationRule' },
  AggregationRule: { 1: 'clusterRoleSelectors:[]LabelSelector' },
  PolicyRule: {
    1: 'verbs:[]string~',
    2: 'apiGroups:[]string',
    3: 'resources:[]string',
    4: 'resourceNames:[]string',
    5: 'nonResourceURLs:[]string',
  },
  RoleBinding: { 1: 'metadata:ObjectMeta', 2: 'subjects:[]Subject', 3: 'roleRef:RoleRef' },
  ClusterRoleBinding: { 1: 'metadata:ObjectMeta', 2: 'subjects:[]Subject', 3: 'roleRef:RoleRef' },
  Subject: { 1: 'kind!', 2: 'apiGroup', 3: 'name!', 4: 'namespace' },
  RoleRef: { 1: 'apiGroup!', 2: 'kind!', 3: 'name!' },
};

export const AUTHENTICATION_V1: Table = {
  TokenRequest: { 1: 'metadata:ObjectMeta', 2: 'spec:TokenRequestSpec', 3: 'status:TokenRequestStatus' },
  TokenRequestSpec: {
    1: 'audiences:[]string~',
    4: 'expirationSeconds:int64!~',
    3: 'boundObjectRef:BoundObjectReference~',
  },
  BoundObjectReference: { 1: 'kind', 2: 'apiVersion', 3: 'name', 4: 'uid' },
  TokenRequestStatus: { 1: 'token!', 2: 'expirationTimestamp:Time' },
};

/** certificates.k8s.io/v1 (`kubectl certificate approve|deny` writes the CSR as protobuf). spec.extra (map of ExtraValue) is not decoded. */
export const CERTIFICATES_V1: Table = {
  CertificateSigningRequest: {
    1: 'metadata:ObjectMeta',
    2: 'spec:CertificateSigningRequestSpec',
    3: 'status:CertificateSigningRequestStatus',
  },
  CertificateSigningRequestSpec: {
    1: 'request:bytes',
    7: 'signerName',
    8: 'expirationSeconds:int32!',
    5: 'usages:[]string',
    2: 'username',
    3: 'uid',
    4: 'groups:[]string',
  },
  CertificateSigningRequestStatus: { 1: 'conditions:[]CertificateSigningRequestCondition', 2: 'certificate:bytes' },
  CertificateSigningRequestCondition: {
    1: 'type',
    6: 'status',
    2: 'reason',
    3: 'message',
    4: 'lastUpdateTime:Time',
    5: 'lastTransitionTime:Time',
  },
};

/** authorization.k8s.io/v1 (`kubectl auth can-i` writes its SelfSubjectAccessReview as protobuf). */
export const AUTHORIZATION_V1: Table = {
  SelfSubjectAccessReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:SelfSubjectAccessReviewSpec',
    3: 'status:SubjectAccessReviewStatus',
  },
  SelfSubjectAccessReviewSpec: {
    1: 'resourceAttributes:ResourceAttributes',
    2: 'nonResourceAttributes:NonResourceAttributes',
  },
  ResourceAttributes: {
    1: 'namespace',
    2: 'verb',
    3: 'group',
    4: 'version',
    5: 'resource',
    6: 'subresource',
    7: 'name',
  },
  NonResourceAttributes: { 1: 'path', 2: 'verb' },
  SubjectAccessReviewStatus: { 1: 'allowed:bool!', 4: 'denied:bool', 2: 'reason', 3: 'evaluationError' },
  // spec.extra (map of ExtraValue) is not decoded.
  SubjectAccessReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:SubjectAccessReviewSpec',
    3: 'status:SubjectAccessReviewStatus',
  },
  LocalSubjectAccessReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:SubjectAccessReviewSpec',
    3: 'status:SubjectAccessReviewStatus',
  },
  SubjectAccessReviewSpec: {
    1: 'resourceAttributes:ResourceAttributes',
    2: 'nonResourceAttributes:NonResourceAttributes',
    3: 'user',
    4: 'groups:[]string',
    6: 'uid',
  },
  SelfSubjectRulesReview: {
    1: 'metadata:ObjectMeta',
    2: 'spec:SelfSubjectRulesReviewSpec',
    3: 'status:SubjectRulesReviewStatus',
  },
  SelfSubjectRulesReviewSpec: { 1: 'namespace' },
  SubjectRulesReviewStatus: {
    1: 'resourceRules:[]ResourceRule',
    2: 'nonResourceRules:[]NonResourceRule',
    3: 'incomplete:bool!',
    4: 'evaluationError',
  },
  ResourceRule: { 1: 'verbs:[]string~', 2: 'apiGroups:[]string', 3: 'resources:[]string', 4: 'resourceNames:[]string' },
  NonResourceRule: { 1: 'verbs:[]string~', 2: 'nonResourceURLs:[]string' },
};

/** authentication.k8s.io SelfSubjectReview (`kubectl auth whoami`): an empty request. */
export const AUTHENTICATION_REVIEW: Table = {
  SelfSubjectReview: { 1: 'metadata:ObjectMeta' },
};
