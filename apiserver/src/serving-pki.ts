/**
 * The apiserver's part of the cluster PKI, from one directory (KUBELAB_PKI_DIR, the lab's PKI
 * mounted read-only; file names in @kubelab/client/component-pki): its serving certificate and the
 * admin token (REST and gRPC), the CA certificate that client certificates must chain to, the CA
 * key (for signing CertificateSigningRequests), its client certificate at the kubelets and the
 * bootstrap token kubelets join with. When the directory lacks them (the apiserver started on its
 * own), the apiserver makes the whole PKI in KUBELAB_PKI_GENERATE_DIR (kept across restarts) and
 * logs where the CA and token are.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { PKI_FILES } from '@kubelab/client/pki';
import {
  BOOTSTRAP_TOKEN_FILE,
  BOOTSTRAP_TOKEN_RE,
  KUBELET_CLIENT_FILES,
  SERVICE_ACCOUNT_KEY_FILES,
  ensureClusterPki,
} from '@kubelab/client/component-pki';
import type { ApiserverConfig } from './config.js';

export interface ServingPki {
  /** The serving certificate and key, and the cluster CA client certificates must chain to. */
  tls: { cert: string; key: string; clientCA: string };
  token: string;
  /** The cluster CA's key (signs CertificateSigningRequests). */
  caKey?: string;
  /** The apiserver's client certificate for the kubelets' servers. */
  kubeletClient?: { cert: string; key: string };
  /** A bootstrap token (`<id>.<secret>`) the apiserver accepts from joining kubelets. */
  bootstrapToken?: string;
  /** The ServiceAccount token key pair (PEM): signs TokenRequests, verifies ServiceAccount tokens. */
  serviceAccountKey?: { key: string; pub: string };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
}

async function readDir(dir: string): Promise<Partial<ServingPki> & { missing: string[] }> {
  const names = [
    PKI_FILES.cert,
    PKI_FILES.key,
    PKI_FILES.token,
    PKI_FILES.caCert,
    PKI_FILES.caKey,
    KUBELET_CLIENT_FILES.cert,
    KUBELET_CLIENT_FILES.key,
    BOOTSTRAP_TOKEN_FILE,
    SERVICE_ACCOUNT_KEY_FILES.key,
    SERVICE_ACCOUNT_KEY_FILES.pub,
  ];
  const [cert, key, token, caCert, caKey, kcCert, kcKey, bootstrap, saKey, saPub] = await Promise.all(
    names.map((n) => readOptional(join(dir, n))),
  );
  const missing = names.filter((_, i) => ![cert, key, token?.trim(), caCert][i] && i < 4);
  const bootstrapToken = bootstrap?.trim();
  return {
    missing,
    ...(cert && key && caCert ? { tls: { cert, key, clientCA: caCert } } : {}),
    ...(token?.trim() ? { token: token.trim() } : {}),
    ...(caCert && caKey ? { caKey } : {}),
    ...(kcCert && kcKey ? { kubeletClient: { cert: kcCert, key: kcKey } } : {}),
    ...(bootstrapToken && BOOTSTRAP_TOKEN_RE.test(bootstrapToken) ? { bootstrapToken } : {}),
    ...(saKey && saPub ? { serviceAccountKey: { key: saKey, pub: saPub } } : {}),
  };
}

/** Undefined when no PKI directory is configured: plain HTTP and gRPC without authentication. */
export async function loadServingPki(cfg: ApiserverConfig, log: Logger): Promise<ServingPki | undefined> {
  if (!cfg.pkiDir) {
    log.warn('KUBELAB_PKI_DIR is unset: serving plain HTTP and gRPC without authentication');
    return undefined;
  }
  const got = await readDir(cfg.pkiDir);
  if (got.missing.length === 0 && got.tls && got.token) {
    log.info(
      {
        dir: cfg.pkiDir,
        kubeletClient: !!got.kubeletClient,
        bootstrapToken: !!got.bootstrapToken,
        signer: !!got.caKey,
      },
      'serving HTTPS and gRPC over TLS with the configured PKI',
    );
    return pick(got);
  }
  const dir = cfg.pkiGenerateDir;
  const made = await ensureClusterPki(dir, cfg.serviceCIDR);
  const own = await readDir(dir);
  log.warn(
    { missing: got.missing.map((n) => join(cfg.pkiDir ?? '', n)), dir, made: made.made },
    `no PKI mounted: using the apiserver's own CA, certificates and tokens in ${dir} (inside the container); kubectl needs ${join(dir, PKI_FILES.caCert)} and ${join(dir, PKI_FILES.token)}`,
  );
  return pick(own);
}

function pick(p: Partial<ServingPki>): ServingPki {
  if (!p.tls || !p.token)
    throw new Error('the PKI lacks the serving certificate, the CA certificate or the admin token');
  return {
    tls: p.tls,
    token: p.token,
    ...(p.caKey ? { caKey: p.caKey } : {}),
    ...(p.kubeletClient ? { kubeletClient: p.kubeletClient } : {}),
    ...(p.bootstrapToken ? { bootstrapToken: p.bootstrapToken } : {}),
    ...(p.serviceAccountKey ? { serviceAccountKey: p.serviceAccountKey } : {}),
  };
}
