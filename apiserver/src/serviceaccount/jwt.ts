/**
 * Compact JWS (RFC 7515) with ES256 over node:crypto: what ServiceAccount tokens are. The key id
 * is upstream's: base64url of the SHA-256 of the public key's DER (SPKI). No other algorithm is
 * accepted ("alg": "none" and HMAC tokens are refused before any key is tried).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown>;

const b64url = (b: Buffer): string => b.toString('base64url');
const json64 = (v: unknown): string => b64url(Buffer.from(JSON.stringify(v), 'utf8'));

export function keyId(pub: KeyObject): string {
  return b64url(
    createHash('sha256')
      .update(pub.export({ type: 'spki', format: 'der' }))
      .digest(),
  );
}

export interface SigningKey {
  key: KeyObject;
  kid: string;
}

export function signingKey(privatePem: string): SigningKey {
  const key = createPrivateKey(privatePem);
  return { key, kid: keyId(createPublicKey(key)) };
}

export function signJwt(claims: Claims, k: SigningKey): string {
  const input = `${json64({ alg: 'ES256', kid: k.kid })}.${json64(claims)}`;
  const sig = sign('sha256', Buffer.from(input), { key: k.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

/** Three base64url parts: what a bearer token must look like to be tried as a JWT. */
export const JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function parsePart(part: string): Claims | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Claims) : undefined;
  } catch {
    return undefined;
  }
}

/** The claims of a token one of the keys signed, else undefined (malformed, other algorithm, bad signature). */
export function verifyJwt(token: string, keys: readonly KeyObject[]): Claims | undefined {
  if (!JWT_RE.test(token)) return undefined;
  const [h, p, s] = token.split('.') as [string, string, string];
  const header = parsePart(h);
  if (header?.['alg'] !== 'ES256') return undefined;
  const sig = Buffer.from(s, 'base64url');
  const data = Buffer.from(`${h}.${p}`);
  const ok = keys.some((key) => verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig));
  return ok ? parsePart(p) : undefined;
}
