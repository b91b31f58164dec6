/**
 * What a CSR asks for, checked as upstream's signers and approver do (pkg/apis/certificates/v1
 * helpers, pkg/controller/certificates): a kubelet client certificate is subject
 * `CN=system:node:<name>, O=system:nodes`, usages client auth (with digital signature and key
 * encipherment at most), no SANs; an apiserver client certificate has client auth and no server
 * usages. Pure: from the parsed request and the CSR's spec.
 */
import { type CertificateSigningRequest, SIGNERS } from '@kubelab/api';
import * as x509 from '@peculiar/x509';
import type { ParsedCsr } from './signer.js';

const KUBELET_CLIENT_USAGES = new Set(['client auth', 'digital signature', 'key encipherment']);

function sans(parsed: ParsedCsr): number {
  const ext = parsed.csr.extensions.find(
    (e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension,
  );
  return ext ? ext.names.items.length : 0;
}

/** Why the CSR is not a valid kubelet client certificate request, or undefined. */
export function kubeletClientError(csr: CertificateSigningRequest, parsed: ParsedCsr): string | undefined {
  if (parsed.organizations.length !== 1 || parsed.organizations[0] !== 'system:nodes')
    return 'subject organization is not system:nodes';
  if (!parsed.commonName.startsWith('system:node:') || parsed.commonName === 'system:node:')
    return 'subject common name does not begin with system:node:';
  if (sans(parsed) > 0) return 'DNS, email and IP subjectAltNames are not allowed';
  const usages = csr.spec.usages ?? [];
  if (!usages.includes('client auth') || usages.some((u) => !KUBELET_CLIENT_USAGES.has(u)))
    return `usages did not match [client auth digital signature key encipherment]: ${JSON.stringify(usages)}`;
  return undefined;
}

/** Why the CSR is not a valid kube-apiserver client certificate request, or undefined. */
export function apiserverClientError(csr: CertificateSigningRequest): string | undefined {
  const usages = csr.spec.usages ?? [];
  if (!usages.includes('client auth')) return 'usages must include client auth';
  const bad = usages.filter((u) => !KUBELET_CLIENT_USAGES.has(u) && u !== 'any');
  if (bad.length) return `invalid usages for a client certificate: ${bad.join(', ')}`;
  return undefined;
}

/** The signers this apiserver signs for, and the check each makes before signing. */
export const SIGNED_HERE: Record<string, (csr: CertificateSigningRequest, parsed: ParsedCsr) => string | undefined> = {
  [SIGNERS.kubeletClient]: kubeletClientError,
  [SIGNERS.apiserverClient]: (csr) => apiserverClientError(csr),
};
