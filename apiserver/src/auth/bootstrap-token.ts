/**
 * Upstream's bootstrap token authenticator (plugin/pkg/auth/authenticator/token/bootstrap): a
 * bearer token `<id>.<secret>` ([a-z0-9]{6}.[a-z0-9]{16}) is valid while the Secret
 * kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token holds the same id and
 * secret, is marked usage-bootstrap-authentication=true, is not being deleted and has not expired.
 * Its user is system:bootstrap:<id> in system:bootstrappers (and the auth-extra-groups). A refused
 * token gives undefined, and the reason goes to the log (as upstream: the caller only sees 401).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { GROUPS, type UserInfo } from './user.js';

export const BOOTSTRAP_TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_PREFIX = 'bootstrap-token-';
const EXTRA_GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

export interface SecretReader {
  get(resource: string, namespace: string, name: string): Promise<KubeObject>;
}

/** A Secret's value (data is base64, as stored). */
export function secretValue(secret: KubeObject, key: string): string | undefined {
  const v = (secret as { data?: Record<string, string> }).data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Why the token is refused, or its identity. */
export function checkBootstrapSecret(
  secret: KubeObject,
  id: string,
  tokenSecret: string,
  now: Date,
): UserInfo | string {
  const name = `${BOOTSTRAP_TOKEN_NAMESPACE}/${secret.metadata.name ?? ''}`;
  if (secret.metadata.deletionTimestamp) return `bootstrap secret ${name} is being deleted`;
  const type = (secret as { type?: string }).type;
  if (type !== BOOTSTRAP_TOKEN_SECRET_TYPE)
    return `secret ${name} has invalid type ${type ?? '""'}, expected ${BOOTSTRAP_TOKEN_SECRET_TYPE}`;
  if (!sameText(secretValue(secret, 'token-secret') ?? '', tokenSecret))
    return `bootstrap secret ${name}: token secret mismatch`;
  if (secretValue(secret, 'token-id') !== id) return `bootstrap secret ${name}: token id mismatch`;
  const expiration = secretValue(secret, 'expiration');
  if (expiration !== undefined) {
    const at = Date.parse(expiration);
    if (Number.isNaN(at))
      return `bootstrap secret ${name}: expiration ${JSON.stringify(expiration)} is not an RFC 3339 time`;
    if (at <= now.getTime()) return `bootstrap secret ${name}: expired token (expiration ${expiration})`;
  }
  if (secretValue(secret, 'usage-bootstrap-authentication') !== 'true')
    return `bootstrap secret ${name}: not marked usage-bootstrap-authentication=true`;
  const extra = (secretValue(secret, 'auth-extra-groups') ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  const bad = extra.find((g) => !EXTRA_GROUP_RE.test(g));
  if (bad)
    return `bootstrap secret ${name}: auth-extra-groups ${JSON.stringify(bad)} does not match ${EXTRA_GROUP_RE.source}`;
  return {
    name: `system:bootstrap:${id}`,
    groups: [...new Set([GROUPS.bootstrappers, ...extra, GROUPS.authenticated])],
  };
}

export type BootstrapTokenAuthenticator = (token: string) => Promise<UserInfo | undefined>;

/** `authenticateBootstrapToken(token)` over the apiserver's registry. */
export function bootstrapTokenAuthenticator(
  secrets: SecretReader,
  opts: { log?: Logger; now?: () => Date } = {},
): BootstrapTokenAuthenticator {
  const now = opts.now ?? (() => new Date());
  return async function authenticateBootstrapToken(token: string): Promise<UserInfo | undefined> {
    const m = BOOTSTRAP_TOKEN_RE.exec(token);
    if (!m) {
      opts.log?.info('bootstrap token refused: not of the form [a-z0-9]{6}.[a-z0-9]{16}');
      return undefined;
    }
    const [, id, tokenSecret] = m as unknown as [string, string, string];
    let secret: KubeObject;
    try {
      secret = await secrets.get('secrets', BOOTSTRAP_TOKEN_NAMESPACE, `${BOOTSTRAP_TOKEN_PREFIX}${id}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      opts.log?.info(
        { tokenId: id },
        `bootstrap token refused: no secret ${BOOTSTRAP_TOKEN_NAMESPACE}/${BOOTSTRAP_TOKEN_PREFIX}${id} matches it (deleted or never made)`,
      );
      return undefined;
    }
    const out = checkBootstrapSecret(secret, id, tokenSecret, now());
    if (typeof out === 'string') {
      opts.log?.info({ tokenId: id }, `bootstrap token refused: ${out}`);
      return undefined;
    }
    return out;
  };
}
