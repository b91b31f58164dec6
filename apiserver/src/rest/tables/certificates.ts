/** CertificateSigningRequest table (upstream printCertificateSigningRequest). */
import { humanAge, type CertificateSigningRequest, type KubeObject } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, nameOf } from './format.js';

/** Denied or Approved or Pending, then ",Failed" and ",Issued" (upstream's extractCSRStatus). */
export function csrCondition(o: KubeObject): string {
  const csr = o as CertificateSigningRequest;
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (csr.status?.certificate) s += ',Issued';
  return s;
}

export const csrPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    AGE_COLUMN,
    col('SignerName', 'Name of the signer requested to sign the certificate'),
    col('Requestor', 'Name of the user who requested the certificate'),
    col('RequestedDuration', 'The requested duration of the certificate'),
    col('Condition', 'Condition of the request: Approved, Denied, Pending, Failed, Issued'),
  ],
  cells(o, now) {
    const spec = (o as CertificateSigningRequest).spec ?? {};
    const duration =
      typeof spec.expirationSeconds === 'number'
        ? humanAge(new Date(0).toISOString(), spec.expirationSeconds * 1000)
        : '<none>';
    return [nameOf(o), age(o, now), spec.signerName || '<none>', spec.username || '', duration, csrCondition(o)];
  },
};
