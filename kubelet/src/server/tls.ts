/**
 * TLS of the kubelet's server (10250): a serving certificate of the node's own, self-signed, made
 * at every start and published in the Node's annotation KUBELET_SERVING_CERT_ANNOTATION (the
 * apiserver trusts exactly that one), and only the apiserver's client certificate
 * (`kube-apiserver-kubelet-client`, signed by the cluster CA) is let in: the TLS handshake refuses
 * a client without a certificate of the CA, and every call from another identity (a component's
 * certificate, a node's) is refused with PERMISSION_DENIED.
 */
import { X509Certificate } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { ApiError } from '@kubelab/proto';
import {
  KUBELET_CLIENT_USER,
  KUBELET_SERVING_CERT_ANNOTATION,
  authenticatedService,
  certificateIdentity,
  type CallAuthContext,
  type CallIdentity,
} from '@kubelab/client/grpc-auth';
import { selfSignedServing, type CertAndKey } from '@kubelab/client/pki-certs';

export interface KubeletTls {
  /** The cluster CA (PEM) the apiserver's client certificate must chain to. */
  ca: string;
  cert: string;
  key: string;
}

/** A serving certificate for the node: CN system:node:<name>, SANs its name and address. */
export async function nodeServingCert(nodeName: string, hostIP: string): Promise<CertAndKey> {
  return selfSignedServing(`system:node:${nodeName}`, { dns: [nodeName], ips: [hostIP] });
}

/** The Node annotation that publishes the serving certificate. */
export function servingAnnotation(pair: CertAndKey): Record<string, string> {
  return { [KUBELET_SERVING_CERT_ANNOTATION]: pair.cert };
}

/** The caller, when it is the apiserver; an ApiError (Unauthorized / Forbidden) otherwise. */
export function kubeletCaller(call: { getAuthContext(): CallAuthContext | null }, ca: X509Certificate): CallIdentity {
  const who = certificateIdentity(call, ca);
  if (!who)
    throw new ApiError(
      'Unauthorized',
      "the kubelet API needs the apiserver's client certificate; this call presented none",
    );
  if (who.name !== KUBELET_CLIENT_USER)
    throw new ApiError(
      'Forbidden',
      `the kubelet API serves only the apiserver (${KUBELET_CLIENT_USER}); "${who.name}" may not call it`,
    );
  return who;
}

/** The kubelet service's handlers, each call checked by kubeletCaller first. */
export function apiserverOnly(
  service: grpc.ServiceDefinition,
  impl: grpc.UntypedServiceImplementation,
  caPem: string,
): grpc.UntypedServiceImplementation {
  const ca = new X509Certificate(caPem);
  return authenticatedService(
    service,
    impl,
    async (call) => kubeletCaller(call, ca),
    () => undefined,
  );
}
