/**
 * The whole lab's PKI in one directory: the CA, the apiserver's serving certificate and admin token
 * (pki.ts), the apiserver's client certificate for the kubelets, a bootstrap token, and one
 * subdirectory per component holding only what that component may have (its own key and
 * certificate and the CA certificate, never the CA key):
 *
 *   ca.crt ca.key apiserver.crt apiserver.key token      the apiserver (mounts the whole directory)
 *   kubelet-client.crt kubelet-client.key                 the apiserver's identity at the kubelets
 *   bootstrap-token                                       a kubelet bootstrap token the apiserver accepts
 *   sa.key sa.pub                                         the ServiceAccount token signing key pair (ES256), kubeadm's names
 *   components/<name>/ca.crt client.crt client.key        scheduler, controller-manager, kube-proxy, cluster-dns, ingress
 *   components/kubelet/ca.crt bootstrap-token             every kubelet: it asks for its own certificate
 *
 * Made by `kubelab up` on the host and by the compose file's one-shot `pki` service (a plain
 * `docker compose up`); idempotent: what is there and valid is kept, a usable CA is never remade.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePki, withDirLock, writeAtomic, type PkiMaterial } from './pki.js';
import { certUsable, issueClientCert, type CertAndKey, type Subject } from './pki-certs.js';

/** Upstream's names for the components' identities (kubelab's own for cluster-dns and ingress). */
export const COMPONENT_IDENTITIES: Record<string, Subject> = {
  scheduler: { cn: 'system:kube-scheduler' },
  'controller-manager': { cn: 'system:kube-controller-manager' },
  'kube-proxy': { cn: 'system:kube-proxy' },
  'cluster-dns': { cn: 'system:kubelab:cluster-dns' },
  ingress: { cn: 'system:kubelab:ingress' },
};

/** The apiserver's client identity at the kubelets (kubeadm's name and group). */
export const KUBELET_CLIENT_IDENTITY: Subject = { cn: 'kube-apiserver-kubelet-client', o: ['system:masters'] };

export const COMPONENT_FILES = {
  caCert: 'ca.crt',
  cert: 'client.crt',
  key: 'client.key',
  bootstrapToken: 'bootstrap-token',
} as const;
export const KUBELET_CLIENT_FILES = { cert: 'kubelet-client.crt', key: 'kubelet-client.key' } as const;
export const BOOTSTRAP_TOKEN_FILE = 'bootstrap-token';
/** The ServiceAccount token key pair: every apiserver signs with sa.key and verifies with sa.pub. */
export const SERVICE_ACCOUNT_KEY_FILES = { key: 'sa.key', pub: 'sa.pub' } as const;

/** Upstream's bootstrap token format: `<id>.<secret>`, 6 and 16 characters of [a-z0-9]. */
export const BOOTSTRAP_TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** Renew a component certificate expiring within this many days. */
const RENEW_DAYS = 30;

export function generateBootstrapToken(): string {
  const pick = (n: number): string =>
    Array.from(randomBytes(n), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  return `${pick(6)}.${pick(16)}`;
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** The pair at cert/key, kept when usable, else issued anew for the identity. */
async function ensurePair(
  ca: CertAndKey,
  certPath: string,
  keyPath: string,
  subject: Subject,
  now: Date,
): Promise<boolean> {
  const [cert, key] = await Promise.all([readText(certPath), readText(keyPath)]);
  if (cert && key && certUsable({ cert, key }, ca.cert, RENEW_DAYS, now)) return false;
  const made = await issueClientCert(ca, subject, { now });
  await writeAtomic(keyPath, made.key, 0o600);
  await writeAtomic(certPath, made.cert, 0o644);
  return true;
}

async function writeIfChanged(path: string, text: string, mode: number): Promise<void> {
  if ((await readText(path)) !== text) await writeAtomic(path, text, mode);
}

/** The key pair at dir/sa.key and sa.pub, kept when the two match, else made anew (P-256). */
async function ensureServiceAccountKey(dir: string): Promise<boolean> {
  const [key, pub] = await Promise.all([
    readText(join(dir, SERVICE_ACCOUNT_KEY_FILES.key)),
    readText(join(dir, SERVICE_ACCOUNT_KEY_FILES.pub)),
  ]);
  if (key && pub) {
    try {
      const derived = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'pem' });
      if (derived === createPublicKey(pub).export({ type: 'spki', format: 'pem' })) return false;
    } catch {
      // unreadable: made anew below
    }
  }
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeAtomic(
    join(dir, SERVICE_ACCOUNT_KEY_FILES.key),
    pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    0o600,
  );
  await writeAtomic(
    join(dir, SERVICE_ACCOUNT_KEY_FILES.pub),
    pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    0o644,
  );
  return true;
}

export interface ClusterPki {
  material: PkiMaterial;
  bootstrapToken: string;
  /** What was made this time (empty: everything was there). */
  made: string[];
}

/** Makes what is missing or no longer valid of the lab's PKI in `dir` (see the file comment). */
export async function ensureClusterPki(dir: string, serviceCIDR: string, now = new Date()): Promise<ClusterPki> {
  const base = await ensurePki(dir, serviceCIDR, now);
  return withDirLock(dir, async () => {
    const made: string[] = base.generated ? [`CA/serving certificate/token (${base.reason})`] : [];
    const ca = { cert: base.material.caCert, key: base.material.caKey };
    if (
      await ensurePair(
        ca,
        join(dir, KUBELET_CLIENT_FILES.cert),
        join(dir, KUBELET_CLIENT_FILES.key),
        KUBELET_CLIENT_IDENTITY,
        now,
      )
    )
      made.push('kubelet-client');
    let bootstrapToken = (await readText(join(dir, BOOTSTRAP_TOKEN_FILE)))?.trim() ?? '';
    if (!BOOTSTRAP_TOKEN_RE.test(bootstrapToken)) {
      bootstrapToken = generateBootstrapToken();
      await writeAtomic(join(dir, BOOTSTRAP_TOKEN_FILE), `${bootstrapToken}\n`, 0o600);
      made.push('bootstrap-token');
    }
    if (await ensureServiceAccountKey(dir)) made.push('service-account key');
    for (const [name, subject] of Object.entries(COMPONENT_IDENTITIES)) {
      const sub = join(dir, 'components', name);
      await mkdir(sub, { recursive: true, mode: 0o755 });
      await writeIfChanged(join(sub, COMPONENT_FILES.caCert), ca.cert, 0o644);
      if (await ensurePair(ca, join(sub, COMPONENT_FILES.cert), join(sub, COMPONENT_FILES.key), subject, now))
        made.push(name);
    }
    const kubelet = join(dir, 'components', 'kubelet');
    await mkdir(kubelet, { recursive: true, mode: 0o755 });
    await writeIfChanged(join(kubelet, COMPONENT_FILES.caCert), ca.cert, 0o644);
    await writeIfChanged(join(kubelet, COMPONENT_FILES.bootstrapToken), `${bootstrapToken}\n`, 0o600);
    return { material: base.material, bootstrapToken, made };
  });
}
