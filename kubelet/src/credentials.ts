/** The node's API credentials: a kubelet started with a bootstrap token gets its own certificate first (bootstrap.ts). */
import type { Logger } from 'pino';
import type { ApiClient, ApiCredentials } from '@kubelab/client';
import { bootstrapCertificate } from './bootstrap.js';

/** KUBELAB_KUBELET_CERT_DIR: where nodes keep their key and certificate (each kubelet's own volume). */
export const certDirFromEnv = (env: Record<string, string | undefined>): string =>
  env.KUBELAB_KUBELET_CERT_DIR?.trim() || '/var/lib/kubelet/pki';

/**
 * With a bootstrap token and no certificate of its own: the TLS bootstrap for `node`, then every
 * call of `client` with the node's certificate. Otherwise the credentials stay as they are.
 */
export async function becomeNode(
  client: ApiClient,
  credentials: ApiCredentials,
  node: string,
  certDir: string,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  if (credentials.insecure || !credentials.token || credentials.cert) return;
  const own = await bootstrapCertificate(
    { api: client, nodeName: node, ca: credentials.ca, dir: certDir, log },
    signal,
  );
  if (own) client.setCredentials({ ca: credentials.ca, ...own });
}
