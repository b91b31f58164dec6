/**
 * The REST server's certificate, key and admin token, from the files the environment names
 * (`kubelab up` mounts the PKI it made on the host). When they are named but missing (a plain
 * `docker compose up`), the apiserver makes its own PKI in KUBELAB_PKI_GENERATE_DIR (kept across
 * restarts of the container) and logs where kubectl's CA and token are.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ensurePki, PKI_FILES } from '@kubelab/client/pki';
import type { ApiserverConfig } from './config.js';

export interface ServingPki {
  tls: { cert: string; key: string; clientCA?: string };
  token: string;
  /** The cluster CA's key (signs CertificateSigningRequests), when the apiserver was given it. */
  caKey?: string;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Undefined when nothing is configured: plain HTTP without authentication. */
export async function loadServingPki(cfg: ApiserverConfig, log: Logger): Promise<ServingPki | undefined> {
  const { tlsCertFile, tlsKeyFile, tokenFile } = cfg;
  if (!tlsCertFile && !tlsKeyFile && !tokenFile) {
    log.warn('KUBELAB_TLS_CERT, KUBELAB_TLS_KEY and KUBELAB_TOKEN_FILE are unset: serving plain HTTP without authentication');
    return undefined;
  }
  const [cert, key, token, caCert, caKey] = await Promise.all([tlsCertFile, tlsKeyFile, tokenFile, cfg.caCertFile, cfg.caKeyFile].map((f) => (f ? readOptional(f) : Promise.resolve(undefined))));
  if (cert && key && token?.trim()) {
    log.info({ cert: tlsCertFile, tokenFile, clientCA: caCert ? cfg.caCertFile : undefined, signer: caKey ? cfg.caKeyFile : undefined }, 'serving HTTPS with the configured certificate and token');
    return { tls: { cert, key, ...(caCert ? { clientCA: caCert } : {}) }, token: token.trim(), ...(caCert && caKey ? { caKey } : {}) };
  }
  const dir = cfg.pkiGenerateDir;
  const made = await ensurePki(dir, cfg.serviceCIDR);
  log.warn(
    { missing: [tlsCertFile, tlsKeyFile, tokenFile].filter((f, i) => f && ![cert, key, token?.trim()][i]), dir, generated: made.generated },
    `no PKI mounted: using the apiserver's own CA, certificate and admin token in ${dir} (inside the container); kubectl needs ${join(dir, PKI_FILES.caCert)} and ${join(dir, PKI_FILES.token)}`,
  );
  return { tls: { cert: made.material.cert, key: made.material.key, clientCA: made.material.caCert }, token: made.material.token, caKey: made.material.caKey };
}
