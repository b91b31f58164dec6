/**
 * Upstream's CertificateApproval and CertificateSigning admission plugins
 * (plugin/pkg/admission/certificates): writing a CSR's /approval needs the `approve` verb, and
 * putting a certificate into its status the `sign` verb, on the `signers` resource of
 * certificates.k8s.io named after the request's signerName (or `<domain>/*`). So update rights on
 * CSRs alone (the controller-manager's `*`) approve or sign nothing. The apiserver's own approver
 * and signer write through the registry directly.
 */
import type { CertificateSigningRequest } from '@kubelab/api';
import { forbiddenFor, resourceAttributes } from '../auth/attributes.js';
import type { AdmissionPlugin } from '../auth/admission.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { UserInfo } from '../auth/user.js';

async function mayOnSigner(
  authorizer: Authorizer,
  user: UserInfo,
  verb: 'approve' | 'sign',
  signerName: string,
): Promise<boolean> {
  const domain = signerName.split('/')[0] ?? '';
  for (const name of [signerName, `${domain}/*`]) {
    const v = await authorizer.authorize(
      resourceAttributes(user, verb, { apiGroup: 'certificates.k8s.io', resource: 'signers', name }),
    );
    if (v.decision === 'allow') return true;
  }
  return false;
}

export function certificateApproval(authorizer: Authorizer): AdmissionPlugin {
  return {
    async admit(r) {
      if (
        r.resource !== 'certificatesigningrequests' ||
        r.operation !== 'UPDATE' ||
        (r.subresource !== 'approval' && r.subresource !== 'status')
      )
        return undefined;
      const old = (await r.oldObject()) as CertificateSigningRequest | undefined;
      if (!old) return undefined;
      const signer = old.spec.signerName;
      const deny = (what: string): never => {
        throw forbiddenFor(
          'certificates.k8s.io',
          'certificatesigningrequests',
          r.name,
          `user not permitted to ${what} requests with signerName "${signer}"`,
        );
      };
      if (r.subresource === 'approval' && !(await mayOnSigner(authorizer, r.user, 'approve', signer))) deny('approve');
      const cert = (r.object as CertificateSigningRequest | undefined)?.status?.certificate;
      if (
        r.subresource === 'status' &&
        cert &&
        cert !== old.status?.certificate &&
        !(await mayOnSigner(authorizer, r.user, 'sign', signer))
      )
        deny('sign');
      return undefined;
    },
  };
}
