/**
 * Admission for CertificateSigningRequests: spec.username, uid, groups and extra are the
 * requesting user's, whatever the body says (upstream's strategy fills them from the request's
 * user). What the approver and the signer trust.
 */
import type { CertificateSigningRequest } from '@kubelab/api';
import type { AdmissionPlugin } from '../auth/admission.js';

export const csrRequestor: AdmissionPlugin = {
  admit(r) {
    if (r.resource !== 'certificatesigningrequests' || r.operation !== 'CREATE' || !r.object) return undefined;
    const csr = r.object as CertificateSigningRequest;
    const spec: CertificateSigningRequest['spec'] = {
      ...(csr.spec ?? {}),
      username: r.user.name,
      groups: [...r.user.groups],
    };
    delete spec.uid;
    delete spec.extra;
    if (r.user.uid) spec.uid = r.user.uid;
    if (r.user.extra) spec.extra = r.user.extra;
    return { ...csr, spec };
  },
};
