/**
 * Certificates signed by the cluster CA from a PEM CertificateSigningRequest (PKCS#10), as
 * upstream's local signer (pkg/controller/certificates/signer): the CSR's own signature is checked,
 * its subject and public key copied, the usages become key usage and extended key usage
 * extensions, the validity is the requested duration capped by the signer's (and never past the
 * CA's own end). ECDSA P-256 CA keys, through @peculiar/x509 on Node's webcrypto.
 */
import { ALG, importKey, serial, x509, type Key } from '@kubelab/client/pki-keys';
import { makeCsr as makeSubjectCsr } from '@kubelab/client/pki-certs';

export interface CertificateAuthority {
  cert: string;
  key: string;
}

const KEY_USAGES: Record<string, number> = {
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};
const EXT_USAGES: Record<string, string> = {
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
};

/** The parsed request: subject CN and O, and its key; throws with what is wrong. */
export interface ParsedCsr {
  csr: x509.Pkcs10CertificateRequest;
  commonName: string;
  organizations: string[];
}

export function parseCsrPem(pem: string): ParsedCsr {
  const m = /-----BEGIN ([A-Z ]+)-----/.exec(pem);
  if (!m) throw new Error('PEM block not found');
  if (m[1] !== 'CERTIFICATE REQUEST' && m[1] !== 'NEW CERTIFICATE REQUEST')
    throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const csr = new x509.Pkcs10CertificateRequest(pem);
  return { csr, commonName: csr.subjectName.getField('CN')[0] ?? '', organizations: csr.subjectName.getField('O') };
}

export interface SignOptions {
  usages: readonly string[];
  /** Requested validity in seconds (spec.expirationSeconds); capped by maxSeconds. */
  durationSeconds?: number;
  maxSeconds: number;
  now?: Date;
}

/** What signing needs of a CA, worked out once per CA: its certificate parsed, its key imported, its key identifier. */
interface PreparedCa {
  caCert: x509.X509Certificate;
  signingKey: Promise<Key>;
  authorityKeyId: Promise<x509.AuthorityKeyIdentifierExtension>;
}
const preparedCas = new WeakMap<CertificateAuthority, PreparedCa>();

function prepared(ca: CertificateAuthority): PreparedCa {
  let p = preparedCas.get(ca);
  if (!p) {
    const caCert = new x509.X509Certificate(ca.cert);
    p = { caCert, signingKey: importKey(ca.key), authorityKeyId: x509.AuthorityKeyIdentifierExtension.create(caCert) };
    // Awaited by each signing; marked handled here so that one not awaited yet is no unhandled rejection.
    p.signingKey.catch(() => undefined);
    p.authorityKeyId.catch(() => undefined);
    preparedCas.set(ca, p);
  }
  return p;
}

/** Signs a parsed request whose signature verifies; returns the certificate in PEM. */
export async function signCsr(ca: CertificateAuthority, parsed: ParsedCsr, opts: SignOptions): Promise<string> {
  if (!(await parsed.csr.verify())) throw new Error('the CSR signature does not verify');
  const { caCert, signingKey, authorityKeyId } = prepared(ca);
  const now = opts.now ?? new Date();
  const seconds = Math.min(opts.durationSeconds ?? opts.maxSeconds, opts.maxSeconds);
  const notAfter = new Date(Math.min(now.getTime() + seconds * 1000, caCert.notAfter.getTime()));
  const keyUsage = opts.usages.reduce((acc, u) => acc | (KEY_USAGES[u] ?? 0), 0);
  const ext = opts.usages.map((u) => EXT_USAGES[u]).filter((u): u is string => u !== undefined);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    await authorityKeyId,
  ];
  if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (ext.length) extensions.push(new x509.ExtendedKeyUsageExtension(ext));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: parsed.csr.subjectName,
    issuer: caCert.subjectName,
    // Backdated as upstream (5 minutes) against clock skew.
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter,
    signingAlgorithm: ALG,
    publicKey: parsed.csr.publicKey,
    signingKey: await signingKey,
    extensions,
  });
  return `${cert.toString('pem')}\n`;
}

/** A new P-256 key and a CSR for the subject (tests; the kubelet's join uses @kubelab/client/pki-certs itself). */
export function makeCsr(subject: {
  commonName: string;
  organizations?: string[];
}): Promise<{ csr: string; key: string }> {
  return makeSubjectCsr({ cn: subject.commonName, o: subject.organizations ?? [] });
}
