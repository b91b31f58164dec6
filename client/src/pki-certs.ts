/**
 * Certificates of identities: client certificates signed by the cluster CA (CN = user name,
 * O = groups, as upstream's x509 authenticator reads them), PKCS#10 requests for them (a kubelet's
 * CertificateSigningRequest), self-signed serving certificates (a kubelet's server), and reading
 * the identity back out of a certificate. Imported as `@kubelab/client/pki-certs`.
 */
import { X509Certificate, createPrivateKey as createKey } from 'node:crypto';
import { ALG, DAY, importKey, keyPair, keyPem, serial, x509, type Key } from './pki-keys.js';

export interface Subject {
  /** The user name (CN). */
  cn: string;
  /** The groups (O), in order. */
  o?: string[];
}

export interface CertAndKey {
  cert: string;
  key: string;
}

export const CLIENT_CERT_DAYS = 365;

/** "CN=x, O=a, O=b" with the characters RFC 4514 asks to escape escaped. */
function subjectName(s: Subject): string {
  const esc = (v: string): string =>
    v
      .replace(/([,+"\\<>;=])/g, '\\$1')
      .replace(/^([ #])/, '\\$1')
      .replace(/ $/, '\\ ');
  return [`CN=${esc(s.cn)}`, ...(s.o ?? []).map((o) => `O=${esc(o)}`)].join(', ');
}

const pem = (c: { toString(f: 'pem'): string }): string => `${c.toString('pem')}\n`;

/** A client certificate (clientAuth) for `publicKey`, signed by the CA. */
export async function signClientCert(
  ca: CertAndKey,
  publicKey: Key,
  subject: Subject,
  opts: { days?: number; now?: Date } = {},
): Promise<string> {
  const now = opts.now ?? new Date();
  const caCert = new x509.X509Certificate(ca.cert);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: subjectName(subject),
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (opts.days ?? CLIENT_CERT_DAYS) * DAY),
    signingAlgorithm: ALG,
    publicKey,
    signingKey: await importKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return pem(cert);
}

/** A new key and its client certificate for the identity, signed by the CA. */
export async function issueClientCert(
  ca: CertAndKey,
  subject: Subject,
  opts: { days?: number; now?: Date } = {},
): Promise<CertAndKey> {
  const keys = await keyPair();
  return { cert: await signClientCert(ca, keys.publicKey, subject, opts), key: await keyPem(keys.privateKey) };
}

/** A new key and a PKCS#10 request (PEM "CERTIFICATE REQUEST") for the identity. */
export async function makeCsr(subject: Subject): Promise<{ csr: string; key: string }> {
  const keys = await keyPair();
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(subject),
    keys,
    signingAlgorithm: ALG,
  });
  return { csr: pem(req), key: await keyPem(keys.privateKey) };
}

/** The subject and public key of a PKCS#10 request, after checking its self-signature. */
export async function readCsr(text: string): Promise<{ subject: Subject; publicKey: Key }> {
  const req = new x509.Pkcs10CertificateRequest(text);
  if (!(await req.verify())) throw new Error('the certificate request is not signed by its own key');
  const name = req.subjectName;
  const cn = name.getField('CN')[0];
  if (!cn) throw new Error('the certificate request has no common name (CN)');
  return { subject: { cn, o: name.getField('O') }, publicKey: await req.publicKey.export(ALG, ['verify']) };
}

/** A self-signed serving certificate (serverAuth) for the names and addresses, with its key. */
export async function selfSignedServing(
  cn: string,
  sans: { dns: string[]; ips: string[] },
  opts: { days?: number; now?: Date } = {},
): Promise<CertAndKey> {
  const now = opts.now ?? new Date();
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subjectName({ cn }),
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + (opts.days ?? CLIENT_CERT_DAYS) * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
        ...sans.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  });
  return { cert: pem(cert), key: await keyPem(keys.privateKey) };
}

/** CN and O values of a certificate's subject. */
export function certSubject(cert: X509Certificate): Subject {
  const x = new x509.X509Certificate(cert.raw);
  return { cn: x.subjectName.getField('CN')[0] ?? '', o: x.subjectName.getField('O') };
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * Why `cert` is not a client certificate of this CA valid now, or undefined when it is: issued
 * and signed by the CA, within its validity, not a CA itself, for clientAuth when it names usages.
 */
export function checkClientCert(cert: X509Certificate, ca: X509Certificate, now = new Date()): string | undefined {
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'the certificate is not signed by the cluster CA';
  if (new Date(cert.validFrom).getTime() > now.getTime() + 60_000)
    return `the certificate is not valid before ${cert.validFrom}`;
  if (new Date(cert.validTo).getTime() < now.getTime()) return `the certificate expired on ${cert.validTo}`;
  if (cert.ca) return 'the certificate is a CA certificate';
  if (cert.keyUsage && cert.keyUsage.length > 0 && !cert.keyUsage.includes(CLIENT_AUTH))
    return 'the certificate is not for client authentication';
  return undefined;
}

/** Whether a certificate and key file pair still serves: a pair, signed by the CA, valid beyond `minDays`. */
export function certUsable(pair: CertAndKey, caCert: string, minDays: number, now = new Date()): boolean {
  try {
    const cert = new X509Certificate(pair.cert);
    const ca = new X509Certificate(caCert);
    if (checkClientCert(cert, ca, now) !== undefined) return false;
    if (!cert.checkPrivateKey(createKey(pair.key))) return false;
    return new Date(cert.validTo).getTime() > now.getTime() + minDays * DAY;
  } catch {
    return false;
  }
}
