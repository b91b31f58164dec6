/**
 * TLS for the HTTPS listener: SNI picks the certificate of the Secret (type kubernetes.io/tls,
 * keys tls.crt and tls.key) that the Ingress's spec.tls names for that host; any other name gets
 * a self-signed "Kubernetes Ingress Controller Fake Certificate", as ingress-nginx does.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { KubeObject } from '@kubelab/api';

x509.cryptoProvider.set(webcrypto as never);

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A self-signed certificate and key (PEM): ingress-nginx's fake one, or (tests) one for `host`. */
export async function fakeCertificate(now = new Date(), host?: string): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: host ? `CN=${host}` : 'O=Acme Co, CN=Kubernetes Ingress Controller Fake Certificate',
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 365 * 24 * 3600_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: host ?? 'ingress.local' }])],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return { cert: cert.toString('pem') + '\n', key: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n` };
}

/** Secure contexts made from Secrets, rebuilt only when a Secret's resourceVersion changes. */
export class CertStore {
  private readonly cache = new Map<string, { rv: string; ctx: SecureContext | undefined; error?: string }>();

  constructor(private readonly secret: (key: string) => Secret | undefined) {}

  /** The context for `ns/name`, or undefined (missing, not TLS, or unreadable: see errorOf). */
  context(key: string): SecureContext | undefined {
    const s = this.secret(key);
    if (!s) return undefined;
    const rv = s.metadata.resourceVersion ?? '';
    const hit = this.cache.get(key);
    if (hit && hit.rv === rv) return hit.ctx;
    let entry: { rv: string; ctx: SecureContext | undefined; error?: string };
    const crt = s.data?.['tls.crt'];
    const key_ = s.data?.['tls.key'];
    if (!crt || !key_) entry = { rv, ctx: undefined, error: `secret ${key}: data: must hold tls.crt and tls.key` };
    else {
      try {
        entry = {
          rv,
          ctx: createSecureContext({ cert: Buffer.from(crt, 'base64'), key: Buffer.from(key_, 'base64') }),
        };
      } catch (err) {
        entry = { rv, ctx: undefined, error: `secret ${key}: ${(err as Error).message}` };
      }
    }
    this.cache.set(key, entry);
    return entry.ctx;
  }

  errorOf(key: string): string | undefined {
    return this.cache.get(key)?.error;
  }
}
