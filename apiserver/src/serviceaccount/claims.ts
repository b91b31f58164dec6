/**
 * ServiceAccount token claims as upstream's (pkg/serviceaccount/claims.go): iss, sub
 * `system:serviceaccount:NS:NAME`, aud, exp, iat, nbf, jti, and the private `kubernetes.io` claim
 * naming the namespace, the ServiceAccount (name, uid) and, for a bound token, the pod or secret
 * it is bound to (name, uid). The identity a valid token stands for follows from them.
 */
import { randomUUID } from 'node:crypto';
import type { UserInfo } from '../auth/user.js';

export const SA_PREFIX = 'system:serviceaccount:';
export const SA_GROUPS = { all: 'system:serviceaccounts', prefix: 'system:serviceaccounts:' } as const;
/** kubeadm's default --service-account-issuer (and so the API audience). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface Ref {
  name: string;
  uid: string;
}

export interface PrivateClaims {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  secret?: Ref;
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': PrivateClaims;
}

export function serviceAccountUser(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

export function makeClaims(
  issuer: string,
  audiences: string[],
  nowSeconds: number,
  expirationSeconds: number,
  p: PrivateClaims,
): TokenClaims {
  return {
    aud: audiences,
    exp: nowSeconds + expirationSeconds,
    iat: nowSeconds,
    iss: issuer,
    jti: randomUUID(),
    'kubernetes.io': p,
    nbf: nowSeconds,
    sub: serviceAccountUser(p.namespace, p.serviceaccount.name),
  };
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const ref = (v: unknown): Ref | undefined => {
  const o = obj(v);
  const name = str(o?.['name']);
  const uid = str(o?.['uid']);
  return name && uid ? { name, uid } : undefined;
};

/** The claims of a verified payload, or why they are not a ServiceAccount token's. */
export function readClaims(c: Json): TokenClaims | string {
  const k8s = obj(c['kubernetes.io']);
  const namespace = str(k8s?.['namespace']);
  const sa = ref(k8s?.['serviceaccount']);
  if (!namespace || !sa) return 'the token has no kubernetes.io namespace and serviceaccount claims';
  const aud = Array.isArray(c['aud'])
    ? c['aud'].filter((a): a is string => typeof a === 'string')
    : typeof c['aud'] === 'string'
      ? [c['aud']]
      : [];
  const num = (k: string): number => (typeof c[k] === 'number' ? (c[k] as number) : Number.NaN);
  const pod = ref(k8s?.['pod']);
  const secret = ref(k8s?.['secret']);
  const p: PrivateClaims = { namespace, serviceaccount: sa, ...(pod ? { pod } : {}), ...(secret ? { secret } : {}) };
  return {
    iss: str(c['iss']) ?? '',
    sub: str(c['sub']) ?? '',
    aud,
    exp: num('exp'),
    iat: num('iat'),
    nbf: num('nbf'),
    jti: str(c['jti']) ?? '',
    'kubernetes.io': p,
  };
}

/** The user a valid token authenticates as (upstream's ServiceAccountInfo.UserInfo). */
export function userOf(t: TokenClaims): UserInfo {
  const p = t['kubernetes.io'];
  const extra: Record<string, string[]> = {};
  if (p.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [p.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [p.pod.uid];
  }
  if (t.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${t.jti}`];
  return {
    name: serviceAccountUser(p.namespace, p.serviceaccount.name),
    uid: p.serviceaccount.uid,
    groups: [SA_GROUPS.all, `${SA_GROUPS.prefix}${p.namespace}`, 'system:authenticated'],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
