/**
 * The lab's own bootstrap token (the PKI directory's `bootstrap-token`, which every compose
 * kubelet is given) as a bootstrap-token Secret, made by the apiserver at start-up the first time
 * it sees that token: from then on it is a token like any `kubelab token create` makes, listed by
 * `kubelab token list` and revoked by `kubelab token delete` (a deleted one is not made again:
 * the ConfigMap kube-system/kubelab-bootstrap-token remembers which token was seeded).
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_PREFIX,
  BOOTSTRAP_TOKEN_RE,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
} from './bootstrap-token.js';

export const SEEDED_MARKER = 'kubelab-bootstrap-token';
export const DEFAULT_NODE_GROUP = 'system:bootstrappers:kubelab:default-node-token';

interface Writer {
  get(resource: string, namespace: string, name: string): Promise<KubeObject>;
  create(resource: string, namespace: string, obj: KubeObject): Promise<KubeObject>;
  update(resource: string, namespace: string, name: string, obj: KubeObject): Promise<KubeObject>;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function createOnce(r: Writer, resource: string, obj: KubeObject): Promise<boolean> {
  try {
    await r.create(resource, BOOTSTRAP_TOKEN_NAMESPACE, obj);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'AlreadyExists') return false;
    throw err;
  }
}

/** Makes the Secret for `token` unless this token was seeded before (and perhaps deleted since). */
export async function seedBootstrapToken(r: Writer, token: string, log: Logger): Promise<'created' | 'seeded before'> {
  const m = BOOTSTRAP_TOKEN_RE.exec(token);
  if (!m) throw new Error('the bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}');
  const [, id, secret] = m as unknown as [string, string, string];
  let marker: (KubeObject & { data?: Record<string, string> }) | undefined;
  try {
    marker = (await r.get('configmaps', BOOTSTRAP_TOKEN_NAMESPACE, SEEDED_MARKER)) as KubeObject & {
      data?: Record<string, string>;
    };
    if (marker.data?.['token-id'] === id) return 'seeded before';
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
  }
  const made = await createOnce(r, 'secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${BOOTSTRAP_TOKEN_PREFIX}${id}`, namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: {
      'token-id': b64(id),
      'token-secret': b64(secret),
      'usage-bootstrap-authentication': b64('true'),
      'usage-bootstrap-signing': b64('true'),
      'auth-extra-groups': b64(DEFAULT_NODE_GROUP),
      description: b64(
        "the lab's own bootstrap token (bootstrap-token in the PKI directory), given to every compose kubelet",
      ),
    },
  } as KubeObject);
  const record = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: SEEDED_MARKER, namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    data: { 'token-id': id },
  } as KubeObject;
  if (marker)
    await r.update('configmaps', BOOTSTRAP_TOKEN_NAMESPACE, SEEDED_MARKER, {
      ...marker,
      data: { 'token-id': id },
    } as KubeObject);
  else await createOnce(r, 'configmaps', record);
  if (made)
    log.info(
      { tokenId: id, secret: `${BOOTSTRAP_TOKEN_NAMESPACE}/${BOOTSTRAP_TOKEN_PREFIX}${id}` },
      "the lab's bootstrap token is a bootstrap-token Secret now (kubelab token list shows it, kubelab token delete revokes it)",
    );
  return 'created';
}
