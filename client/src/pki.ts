/**
 * The cluster's PKI: a CA, the apiserver's serving certificate (signed by it) and the admin bearer
 * token. Made by `kubelab up` on the host (and by the apiserver itself when it was started without
 * one). ECDSA P-256 keys through Node's webcrypto, certificates by @peculiar/x509. Imported as
 * `@kubelab/client/pki` (not from the index: only the CLI and the apiserver need it).
 */
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cidrAddress, mustParseCidr } from '@kubelab/api';
import { ALG, DAY, importKey, keyPair, keyPem, serial, x509 } from './pki-keys.js';

/** File names inside a PKI directory. */
export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  cert: 'apiserver.crt',
  key: 'apiserver.key',
  token: 'token',
} as const;

/** PEM texts and the token. */
export interface PkiMaterial {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
  token: string;
}

const CA_DAYS = 3650;
const CERT_DAYS = 3650;
/** A certificate expiring sooner than this is made again. */
const RENEW_BEFORE_DAYS = 30;
const TOKEN_RE = /^[0-9a-f]{64}$/;

/** A random admin bearer token: 32 bytes, hex. */
export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

/** The first address of an IPv4 CIDR plus one: the `kubernetes` service's ClusterIP. */
export function kubernetesServiceIP(serviceCIDR: string): string {
  return cidrAddress(
    mustParseCidr(serviceCIDR, 'KUBELAB_SERVICE_CIDR', { maxBits: 30, example: '10.244.128.0/17' }),
    1,
  );
}

/**
 * Names and addresses the apiserver's serving certificate is valid for: every apiserver of the
 * lab (`apiserver`, and `apiserver-2` of the HA profile) and the balancer in front of them
 * (`apiserver-lb`, reached on 127.0.0.1 from the host), since one certificate serves them all.
 */
export function apiserverSANs(serviceCIDR: string): { dns: string[]; ips: string[] } {
  return {
    dns: [
      'localhost',
      'apiserver',
      'apiserver-2',
      'apiserver-lb',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
    ips: ['127.0.0.1', kubernetesServiceIP(serviceCIDR)],
  };
}

/** A serving certificate for the apiserver, signed by the given CA. */
async function servingCert(
  ca: { cert: string; key: string },
  serviceCIDR: string,
  now: Date,
): Promise<{ cert: string; key: string }> {
  const caCert = new x509.X509Certificate(ca.cert);
  const keys = await keyPair();
  const sans = apiserverSANs(serviceCIDR);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=kube-apiserver',
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + CERT_DAYS * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
        ...sans.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

/** A new CA (10 years), serving certificate and token; `token` and `ca` keep existing ones. */
export async function generatePki(opts: {
  serviceCIDR: string;
  now?: Date;
  token?: string;
  ca?: { cert: string; key: string };
}): Promise<PkiMaterial> {
  const now = opts.now ?? new Date();
  const token = opts.token && TOKEN_RE.test(opts.token) ? opts.token : generateToken();
  if (opts.ca)
    return { caCert: opts.ca.cert, caKey: opts.ca.key, ...(await servingCert(opts.ca, opts.serviceCIDR, now)), token };
  const keys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=kubelab-ca',
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caPem = { cert: ca.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
  const serving = await servingCert(caPem, opts.serviceCIDR, now);
  return { caCert: caPem.cert, caKey: caPem.key, ...serving, token };
}

/** Why the material is not usable for a cluster with this service CIDR, or undefined when it is. */
export function checkPki(m: PkiMaterial, serviceCIDR: string, now = new Date()): string | undefined {
  try {
    if (!TOKEN_RE.test(m.token.trim())) return 'the token is not 64 hex digits';
    const ca = new X509Certificate(m.caCert);
    const cert = new X509Certificate(m.cert);
    const soon = now.getTime() + RENEW_BEFORE_DAYS * DAY;
    if (!ca.ca) return 'the CA certificate is not a CA';
    if (!ca.checkPrivateKey(createPrivateKey(m.caKey))) return 'the CA key does not match the CA certificate';
    if (!cert.checkPrivateKey(createPrivateKey(m.key))) return 'the apiserver key does not match its certificate';
    if (!cert.verify(ca.publicKey) || !cert.checkIssued(ca)) return 'the apiserver certificate is not signed by the CA';
    for (const c of [ca, cert]) {
      if (new Date(c.validFrom).getTime() > now.getTime() + 60_000) return `${c.subject.trim()} is not valid yet`;
      if (new Date(c.validTo).getTime() < soon) return `${c.subject.trim()} expires on ${c.validTo}`;
    }
    const sans = apiserverSANs(serviceCIDR);
    for (const ip of sans.ips) if (cert.checkIP(ip) === undefined) return `the apiserver certificate lacks IP ${ip}`;
    for (const dns of sans.dns)
      if (cert.checkHost(dns, { wildcards: false }) === undefined)
        return `the apiserver certificate lacks DNS name ${dns}`;
    return undefined;
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
}

export async function readPki(dir: string): Promise<PkiMaterial | undefined> {
  try {
    const read = (f: string): Promise<string> => readFile(join(dir, f), 'utf8');
    const [caCert, caKey, cert, key, token] = await Promise.all([
      read(PKI_FILES.caCert),
      read(PKI_FILES.caKey),
      read(PKI_FILES.cert),
      read(PKI_FILES.key),
      read(PKI_FILES.token),
    ]);
    return { caCert, caKey, cert, key, token: token.trim() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Why a CA certificate and key are not usable (not a CA, not a pair, expiring), or undefined. */
export function checkCa(caCert: string, caKey: string, now = new Date()): string | undefined {
  try {
    const ca = new X509Certificate(caCert);
    if (!ca.ca) return 'the CA certificate is not a CA';
    if (!ca.checkPrivateKey(createPrivateKey(caKey))) return 'the CA key does not match the CA certificate';
    if (new Date(ca.validTo).getTime() < now.getTime() + RENEW_BEFORE_DAYS * DAY)
      return `the CA expires on ${ca.validTo}`;
    return undefined;
  } catch (err) {
    return `the CA is unreadable: ${(err as Error).message}`;
  }
}

/** The CA certificate and key in `dir` when both are there and usable. */
export async function readUsableCa(dir: string, now = new Date()): Promise<{ cert: string; key: string } | undefined> {
  const [cert, key] = await Promise.all(
    [PKI_FILES.caCert, PKI_FILES.caKey].map((f) => readFile(join(dir, f), 'utf8').catch(() => undefined)),
  );
  return cert && key && checkCa(cert, key, now) === undefined ? { cert, key } : undefined;
}

export async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

export async function writePki(dir: string, m: PkiMaterial): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeAtomic(join(dir, PKI_FILES.caCert), m.caCert, 0o644);
  await writeAtomic(join(dir, PKI_FILES.caKey), m.caKey, 0o600);
  await writeAtomic(join(dir, PKI_FILES.key), m.key, 0o600);
  await writeAtomic(join(dir, PKI_FILES.cert), m.cert, 0o644);
  await writeAtomic(join(dir, PKI_FILES.token), `${m.token}\n`, 0o600);
}

/**
 * The PKI in `dir`, reused when present and valid for `serviceCIDR`; otherwise made (keeping a
 * valid existing token) and written there. `reason` says why it was made.
 */
export async function ensurePki(
  dir: string,
  serviceCIDR: string,
  now = new Date(),
): Promise<{ material: PkiMaterial; generated: boolean; reason?: string }> {
  const existing = await readPki(dir);
  if (existing && checkPki(existing, serviceCIDR, now) === undefined) return { material: existing, generated: false };
  // Several apiservers may share the directory (the HA profile without `kubelab up`): one makes
  // the PKI, the others wait for it, so that they all serve one CA, certificate and token.
  return withDirLock(dir, () => ensureUnlocked(dir, serviceCIDR, now));
}

const LOCK = '.lock';
const LOCK_STALE_MS = 30_000;

export async function withDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const lock = join(dir, LOCK);
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (st) => Date.now() - st.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function ensureUnlocked(
  dir: string,
  serviceCIDR: string,
  now: Date,
): Promise<{ material: PkiMaterial; generated: boolean; reason?: string }> {
  const existing = await readPki(dir);
  const reason = existing ? checkPki(existing, serviceCIDR, now) : 'none yet';
  if (existing && reason === undefined) return { material: existing, generated: false };
  // A usable CA is never made again: every certificate it signed (components, nodes) stays valid.
  const ca = await readUsableCa(dir, now);
  const material = await generatePki({ serviceCIDR, now, token: existing?.token, ...(ca ? { ca } : {}) });
  await writePki(dir, material);
  return { material, generated: true, reason };
}
