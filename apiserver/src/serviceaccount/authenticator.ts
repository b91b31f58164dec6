/**
 * The ServiceAccount token authenticator (upstream's JWT token authenticator with its validator):
 * a JWT that one of the service-account public keys signed, from this issuer, for one of the API
 * audiences, not expired and not before its nbf, whose ServiceAccount still exists with the uid in
 * the token and, for a pod-bound token, whose pod still exists with its uid (a pod being deleted
 * for longer than 60 s no longer counts, as upstream). Anything else: not authenticated.
 */
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock, KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { GetOptions, Registry } from '../registry/types.js';
import type { UserInfo } from '../auth/user.js';
import { readClaims, userOf, type TokenClaims } from './claims.js';
import { verifyJwt } from './jwt.js';

export interface SaAuthenticatorOptions {
  registry: Pick<Registry, 'get'>;
  publicKeys: readonly KeyObject[];
  issuer: string;
  audiences: readonly string[];
  clock: Clock;
  log: Logger;
}

/** Pods marked for deletion longer ago than this no longer back their tokens (upstream's 60 s). */
const DELETION_GRACE_MS = 60_000;

async function lookup(
  registry: Pick<Registry, 'get'>,
  resource: string,
  namespace: string,
  name: string,
  opts: GetOptions = {},
): Promise<KubeObject | undefined> {
  try {
    return await registry.get(resource, namespace, name, { ...opts, shared: true });
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') return undefined;
    throw err;
  }
}

/** Why the token is not valid now, or undefined when it is. */
export async function invalidReason(t: TokenClaims, o: SaAuthenticatorOptions): Promise<string | undefined> {
  const now = o.clock.now() / 1000;
  if (t.iss !== o.issuer) return `issuer ${JSON.stringify(t.iss)} is not ${JSON.stringify(o.issuer)}`;
  if (!t.aud.some((a) => o.audiences.includes(a)))
    return `token audiences ${JSON.stringify(t.aud)} are not the API's ${JSON.stringify(o.audiences)}`;
  if (!(t.exp > now)) return 'the token has expired';
  if (Number.isFinite(t.nbf) && t.nbf > now + 1) return 'the token is not valid yet';
  const p = t['kubernetes.io'];
  // Read as the ServiceAccount admission reads it: the watch cache's copy once it has seen this
  // apiserver's last write of ServiceAccounts (a deletion here is refused at once), else storage.
  const sa = await lookup(o.registry, 'serviceaccounts', p.namespace, p.serviceaccount.name, { listed: true });
  if (!sa || sa.metadata.deletionTimestamp)
    return `serviceaccount ${p.namespace}/${p.serviceaccount.name} has been deleted`;
  if (sa.metadata.uid !== p.serviceaccount.uid)
    return `service account UID (${sa.metadata.uid}) does not match claim (${p.serviceaccount.uid})`;
  if (p.pod) {
    const pod = await lookup(o.registry, 'pods', p.namespace, p.pod.name);
    if (!pod) return `pod ${p.namespace}/${p.pod.name} has been deleted`;
    if (pod.metadata.uid !== p.pod.uid) return `pod UID (${pod.metadata.uid}) does not match claim (${p.pod.uid})`;
    const del = pod.metadata.deletionTimestamp ? Date.parse(pod.metadata.deletionTimestamp) : Number.NaN;
    if (del < o.clock.now() - DELETION_GRACE_MS) return `pod ${p.namespace}/${p.pod.name} is being deleted`;
  }
  if (p.secret) {
    const secret = await lookup(o.registry, 'secrets', p.namespace, p.secret.name);
    if (!secret || secret.metadata.uid !== p.secret.uid)
      return `secret ${p.namespace}/${p.secret.name} has been deleted`;
  }
  return undefined;
}

export function serviceAccountTokenAuthenticator(
  o: SaAuthenticatorOptions,
): (token: string) => Promise<UserInfo | undefined> {
  return async (token) => {
    const payload = verifyJwt(token, o.publicKeys);
    if (!payload) return undefined;
    const t = readClaims(payload);
    if (typeof t === 'string') return undefined;
    const why = await invalidReason(t, o);
    if (why) {
      o.log.debug({ sub: t.sub, reason: why }, 'service account token refused');
      return undefined;
    }
    return userOf(t);
  };
}
