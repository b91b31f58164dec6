/**
 * TokenRequest (the `serviceaccounts/token` subresource, authentication.k8s.io/v1): a JWT for a
 * ServiceAccount, for the audiences asked (default: the API's), valid expirationSeconds (default
 * 3600, at least 600), optionally bound to a Pod or Secret that must exist with the uid given (and,
 * for a pod, run as that ServiceAccount). Served by REST (`kubectl create token`) and gRPC (the
 * kubelet's kube-api-access volumes) alike; upstream's validation messages.
 */
import type { Clock, KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { Registry } from '../registry/types.js';
import { makeClaims, type PrivateClaims } from './claims.js';
import { signJwt, type SigningKey } from './jwt.js';
import { forbiddenFor } from '../auth/attributes.js';
import { nodeNameOf, type UserInfo } from '../auth/user.js';

export interface TokenIssuer {
  issuer: string;
  /** The API audiences: what a token without audiences is for, and what the authenticator accepts. */
  audiences: string[];
  key: SigningKey;
  clock: Clock;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const DEFAULT_EXPIRATION = 3600;
const MIN_EXPIRATION = 600;
const BOUND_KINDS = ['Pod', 'Secret'];

function invalid(name: string, field: string, value: unknown, detail: string, reason = 'FieldValueInvalid'): ApiError {
  const what = reason === 'FieldValueNotSupported' ? 'Unsupported value' : 'Invalid value';
  const message = `${what}: ${JSON.stringify(value)}: ${detail}`;
  return new ApiError('Invalid', `TokenRequest.authentication.k8s.io "${name}" is invalid: ${field}: ${message}`, {
    name,
    group: 'authentication.k8s.io',
    kind: 'TokenRequest',
    causes: [{ reason, message, field }],
  });
}

/**
 * Why the object found may not back the token (for `requester`, when it is a node), or undefined:
 * upstream's checks and messages. NodeRestriction (upstream's): a node gets only tokens bound to
 * a pod that runs on it, so a node's credentials never yield a ServiceAccount's unbound token.
 */
function refusal(
  kind: string,
  found: KubeObject,
  saName: string,
  uid: string,
  requester: UserInfo | undefined,
): ApiError | undefined {
  if (uid && uid !== found.metadata.uid) {
    return new ApiError(
      'Conflict',
      `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
  if (kind !== 'Pod') return undefined;
  const podSa = str(obj(found.spec)['serviceAccountName']) || 'default';
  if (podSa !== saName)
    return new ApiError(
      'BadRequest',
      `cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`,
    );
  const node = requester ? nodeNameOf(requester) : undefined;
  if (node && str(obj(found.spec)['nodeName']) !== node)
    return forbiddenFor(
      '',
      'serviceaccounts',
      saName,
      'node requested token bound to a pod scheduled on a different node',
    );
  return undefined;
}

/**
 * The object the token is bound to. The watch cache's copy when it is the object the reference
 * names (its uid) and passes every check, as for the kubelet, which asks for a pod it saw bound
 * to it on a watch of that cache; else storage's, so that a refusal is always decided on a fresh
 * read (upstream reads storage every time).
 */
async function boundObject(
  registry: Pick<Registry, 'get'>,
  namespace: string,
  saName: string,
  ref: Json,
  requester: UserInfo | undefined,
): Promise<Pick<PrivateClaims, 'pod' | 'secret'>> {
  const kind = str(ref['kind']);
  const name = str(ref['name']);
  if (!BOUND_KINDS.includes(kind))
    throw invalid(
      saName,
      'spec.boundObjectRef.kind',
      kind,
      `supported values: ${BOUND_KINDS.map((k) => `"${k}"`).join(', ')}`,
      'FieldValueNotSupported',
    );
  if (!name) throw invalid(saName, 'spec.boundObjectRef.name', name, 'must be set');
  const resource = kind === 'Pod' ? 'pods' : 'secrets';
  const uid = str(ref['uid']);
  const cached = uid
    ? await registry.get(resource, namespace, name, { cacheOnly: true, shared: true }).catch(() => undefined)
    : undefined;
  const found =
    cached && !refusal(kind, cached, saName, uid, requester)
      ? cached
      : await registry.get(resource, namespace, name, { shared: true });
  const why = refusal(kind, found, saName, uid, requester);
  if (why) throw why;
  const r = { name, uid: found.metadata.uid ?? '' };
  return kind === 'Pod' ? { pod: r } : { secret: r };
}

/** Issues the token the TokenRequest body asks for (for `requester`, checked when it is a node); returns the TokenRequest with its status. */
export async function requestToken(
  registry: Pick<Registry, 'get'>,
  t: TokenIssuer,
  namespace: string,
  saName: string,
  body: Json,
  requester?: UserInfo,
): Promise<Json> {
  const spec = obj(body['spec']);
  const exp = spec['expirationSeconds'] ?? DEFAULT_EXPIRATION;
  if (typeof exp !== 'number' || !Number.isInteger(exp))
    throw invalid(saName, 'spec.expirationSeconds', exp, 'must be a whole number of seconds');
  if (exp < MIN_EXPIRATION)
    throw invalid(saName, 'spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes');
  if (exp > 2 ** 32)
    throw invalid(saName, 'spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds');
  const asked = Array.isArray(spec['audiences'])
    ? spec['audiences'].filter((a): a is string => typeof a === 'string' && a !== '')
    : [];
  const audiences = asked.length ? asked : t.audiences;
  // As the ServiceAccount admission reads it: the cache's copy once it has this apiserver's writes.
  const sa = await registry.get('serviceaccounts', namespace, saName, { listed: true, shared: true });
  const ref = spec['boundObjectRef'] == null ? undefined : obj(spec['boundObjectRef']);
  if (requester && nodeNameOf(requester) && str(ref?.['kind']) !== 'Pod')
    throw forbiddenFor('', 'serviceaccounts', saName, 'node requested token not bound to a pod');
  const bound = ref ? await boundObject(registry, namespace, saName, ref, requester) : {};
  const now = Math.floor(t.clock.now() / 1000);
  const claims = makeClaims(t.issuer, audiences, now, exp, {
    namespace,
    serviceaccount: { name: saName, uid: sa.metadata.uid ?? '' },
    ...bound,
  });
  const outSpec: Json = {
    audiences,
    expirationSeconds: exp,
    boundObjectRef: ref
      ? {
          kind: str(ref['kind']),
          apiVersion: str(ref['apiVersion']) || 'v1',
          name: str(ref['name']),
          uid: (bound.pod ?? bound.secret)?.uid ?? '',
        }
      : null,
  };
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: {
      name: saName,
      namespace,
      creationTimestamp: new Date(now * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
    },
    spec: outSpec,
    status: {
      token: signJwt(claims as unknown as Record<string, unknown>, t.key),
      expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
    },
  };
}
