/** certificates.k8s.io/v1 CertificateSigningRequest, as upstream's (bytes fields are base64 in JSON). */
import type { KubeObject } from './types.js';

export interface CertificateSigningRequestCondition {
  type: 'Approved' | 'Denied' | 'Failed' | string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface CertificateSigningRequest extends KubeObject {
  spec: {
    /** base64 of a PEM `CERTIFICATE REQUEST` block. */
    request: string;
    signerName: string;
    expirationSeconds?: number;
    usages?: string[];
    /** Set by the apiserver from the requesting user; never from the body. */
    username?: string;
    uid?: string;
    groups?: string[];
    extra?: Record<string, string[]>;
  };
  status?: {
    conditions?: CertificateSigningRequestCondition[];
    /** base64 of the PEM certificate, once signed. */
    certificate?: string;
  };
}

/** Upstream's well-known signers. */
export const SIGNERS = {
  kubeletClient: 'kubernetes.io/kube-apiserver-client-kubelet',
  apiserverClient: 'kubernetes.io/kube-apiserver-client',
  kubeletServing: 'kubernetes.io/kubelet-serving',
} as const;

export function csrCondition(
  csr: CertificateSigningRequest,
  type: string,
): CertificateSigningRequestCondition | undefined {
  return csr.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}
