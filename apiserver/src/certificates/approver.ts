/**
 * Upstream's csrapproving controller's decision (pkg/controller/certificates/approver): a kubelet
 * client certificate request is approved automatically when its requestor may
 * `create certificatesigningrequests/selfnodeclient` (a node renewing its own: CN equals the
 * requestor) or `create certificatesigningrequests/nodeclient` (a new node: bootstrappers hold it),
 * which upstream asks with a SubjectAccessReview and the apiserver asks its own authorizer.
 */
import { type CertificateSigningRequest, SIGNERS } from '@kubelab/api';
import { resourceAttributes } from '../auth/attributes.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { UserInfo } from '../auth/user.js';
import { kubeletClientError } from './recognize.js';
import type { ParsedCsr } from './signer.js';

export interface Approval {
  type: 'Approved';
  status: 'True';
  reason: string;
  message: string;
}

export async function autoApproval(
  csr: CertificateSigningRequest,
  parsed: ParsedCsr,
  authorizer: Authorizer,
): Promise<Approval | undefined> {
  if (csr.spec.signerName !== SIGNERS.kubeletClient || kubeletClientError(csr, parsed)) return undefined;
  const user: UserInfo = { name: csr.spec.username ?? '', groups: csr.spec.groups ?? [] };
  if (csr.spec.uid) user.uid = csr.spec.uid;
  if (csr.spec.extra) user.extra = csr.spec.extra;
  const self = parsed.commonName === user.name;
  const subresource = self ? 'selfnodeclient' : 'nodeclient';
  const v = await authorizer.authorize(
    resourceAttributes(user, 'create', {
      apiGroup: 'certificates.k8s.io',
      resource: 'certificatesigningrequests',
      subresource,
    }),
  );
  if (v.decision !== 'allow') return undefined;
  return {
    type: 'Approved',
    status: 'True',
    reason: 'AutoApproved',
    message: self
      ? 'Auto approving self kubelet client certificate after SubjectAccessReview.'
      : 'Auto approving kubelet client certificate after SubjectAccessReview.',
  };
}
