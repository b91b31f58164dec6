/**
 * TLS bootstrap, as upstream's kubelet does it for `kubeadm join`: a kubelet starts with the
 * cluster CA and a bootstrap token only; with the token it submits a CertificateSigningRequest for
 * `system:node:<name>` in `system:nodes` (signer kubernetes.io/kube-apiserver-client-kubelet),
 * waits until it is approved and signed (the apiserver approves bootstrap requests itself), keeps
 * the key and certificate in its own directory and from then on calls the apiserver with that
 * certificate. A certificate kept from an earlier start is used while it is valid.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';
import { Backoff, sleep } from '@kubelab/client';
import { makeCsr, certUsable, certSubject, type CertAndKey } from '@kubelab/client/pki-certs';
import { errMessage, isReason } from './api.js';

export const KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

export interface CsrApi {
  get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T>;
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
}

interface Csr extends KubeObject {
  spec: { request: string; signerName: string; usages: string[] };
  status?: {
    certificate?: string;
    conditions?: { type: string; status?: string; reason?: string; message?: string }[];
  };
}

export interface BootstrapOptions {
  api: CsrApi;
  nodeName: string;
  /** The cluster CA (PEM): a kept certificate must chain to it. */
  ca: string;
  /** Where the node's key and certificate are kept (its own volume). */
  dir: string;
  log: Logger;
  /**
   * How often the request is looked at while it waits: first after 50 ms, then twice as long each
   * time up to this (default 500 ms). The apiserver approves and signs a node's request within a
   * few hundred milliseconds, so the first looks are the ones that find it.
   */
  pollMs?: number;
}

export const nodeUser = (nodeName: string): string => `system:node:${nodeName}`;

const files = (dir: string, node: string): { cert: string; key: string } => ({
  cert: join(dir, node, 'client.crt'),
  key: join(dir, node, 'client.key'),
});

/** The node's kept certificate, when it is its own, of this CA, and valid for a day more. */
export async function keptCertificate(
  o: Pick<BootstrapOptions, 'dir' | 'nodeName' | 'ca'>,
): Promise<CertAndKey | undefined> {
  const f = files(o.dir, o.nodeName);
  const [cert, key] = await Promise.all([
    readFile(f.cert, 'utf8').catch(() => undefined),
    readFile(f.key, 'utf8').catch(() => undefined),
  ]);
  if (!cert || !key || !certUsable({ cert, key }, o.ca, 1)) return undefined;
  return certSubject(new X509Certificate(cert)).cn === nodeUser(o.nodeName) ? { cert, key } : undefined;
}

async function keep(o: BootstrapOptions, pair: CertAndKey): Promise<void> {
  const f = files(o.dir, o.nodeName);
  await mkdir(join(o.dir, o.nodeName), { recursive: true, mode: 0o700 });
  for (const [path, text, mode] of [
    [f.key, pair.key, 0o600],
    [f.cert, pair.cert, 0o644],
  ] as const) {
    await writeFile(`${path}.tmp`, text, { mode });
    await rename(`${path}.tmp`, path);
  }
}

/** The sentence a refused bootstrap token gets in the kubelet's log. */
export function refusedTokenMessage(err: unknown): string {
  return `the apiserver refused the bootstrap token (${errMessage(err)}): it is wrong, expired or deleted; make a new one with \`kubelab token create\` and give it to this kubelet (KUBELAB_API_TOKEN_FILE)`;
}

/** Submits the request once; undefined when the apiserver has no CertificateSigningRequest API. */
async function submit(o: BootstrapOptions, csrPem: string): Promise<string | undefined> {
  const name = `node-csr-${o.nodeName}-${createHash('sha256').update(csrPem).digest('hex').slice(0, 10)}`.slice(0, 253);
  const csr: Csr = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(csrPem).toString('base64'),
      signerName: KUBELET_SIGNER,
      usages: ['digital signature', 'client auth'],
    },
  };
  try {
    await o.api.create<Csr>('certificatesigningrequests', csr, '');
  } catch (err) {
    if (isReason(err, 'AlreadyExists')) return name;
    if (isReason(err, 'NotFound')) return undefined;
    throw err;
  }
  return name;
}

/** Waits for the signed certificate of the request (PEM); throws when it is denied or fails. */
async function signed(o: BootstrapOptions, name: string, signal: AbortSignal): Promise<string | undefined> {
  const max = o.pollMs ?? 500;
  let wait = Math.min(50, max);
  while (!signal.aborted) {
    const csr = await o.api.get<Csr>('certificatesigningrequests', '', name);
    const bad = csr.status?.conditions?.find(
      (c) => (c.type === 'Denied' || c.type === 'Failed') && c.status !== 'False',
    );
    if (bad)
      throw new Error(
        `certificate signing request ${name} was ${bad.type.toLowerCase()}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim(),
      );
    if (csr.status?.certificate) return Buffer.from(csr.status.certificate, 'base64').toString('utf8');
    await sleep(wait, signal);
    wait = Math.min(wait * 2, max);
  }
  return undefined;
}

/**
 * The node's own key and certificate: kept, or obtained with the bootstrap credentials `o.api`
 * carries. Undefined when the apiserver has no CertificateSigningRequest API (the kubelet then
 * goes on with its bootstrap credentials) or the signal aborted. Retries with back-off, logging
 * why (a refused token says so plainly).
 */
export async function bootstrapCertificate(o: BootstrapOptions, signal: AbortSignal): Promise<CertAndKey | undefined> {
  const kept = await keptCertificate(o);
  if (kept) {
    o.log.info({ user: nodeUser(o.nodeName) }, "using the node's client certificate kept from an earlier start");
    return kept;
  }
  const backoff = new Backoff(250, 30_000); // a kubelet starts with the apiserver: the first tries come soon
  const { csr, key } = await makeCsr({ cn: nodeUser(o.nodeName), o: ['system:nodes'] });
  while (!signal.aborted) {
    try {
      const t0 = Date.now();
      const name = await submit(o, csr);
      if (name === undefined) {
        o.log.warn(
          "the apiserver has no CertificateSigningRequest API (certificates.k8s.io/v1): going on with the bootstrap token as this node's credentials",
        );
        return undefined;
      }
      o.log.info(
        { csr: name, signer: KUBELET_SIGNER },
        'certificate signing request submitted; waiting for it to be approved and signed',
      );
      const cert = await signed(o, name, signal);
      if (!cert) return undefined;
      const pair = { cert, key };
      if (!certUsable(pair, o.ca, 0))
        throw new Error(
          `certificate signing request ${name}: the issued certificate is not a valid client certificate of the cluster CA for this key`,
        );
      await keep(o, pair);
      o.log.info({ csr: name, user: nodeUser(o.nodeName), ms: Date.now() - t0 }, "got the node's client certificate");
      return pair;
    } catch (err) {
      const wait = backoff.next();
      if (isReason(err, 'Unauthorized')) o.log.error({ retryInMs: wait }, refusedTokenMessage(err));
      else if (isReason(err, 'ServiceUnavailable'))
        o.log.info({ err: errMessage(err), retryInMs: wait }, 'the apiserver does not answer yet; asking again');
      else o.log.error({ err: errMessage(err), retryInMs: wait }, 'TLS bootstrap failed; retrying');
      await sleep(wait, signal);
    }
  }
  return undefined;
}
