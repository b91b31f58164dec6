/**
 * The continue token of a paginated list, shaped like upstream's: unpadded base64url of
 * `{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<next key, relative to the list's prefix>"}`.
 * rv > 0: later pages are read at that revision (one consistent snapshot); rv = -1: read at the
 * latest revision (the token an expired-continue error hands out to finish the list inconsistently).
 */
import { posix } from 'node:path';
import { ApiError } from '@kubelab/proto';

const VERSION = 'meta.k8s.io/v1';

/** rv of a token that continues at the latest revision. */
export const LATEST_REVISION = -1;

export interface ContinuePoint {
  /** The storage key to start at. */
  startKey: string;
  /** The revision to read at; undefined = the latest. */
  revision: number | undefined;
}

export function encodeContinue(nextKey: string, listPrefix: string, revision: number): string {
  if (!nextKey.startsWith(listPrefix))
    throw new ApiError('InternalError', `unable to encode next field: the key and key prefix do not match`);
  const token = { v: VERSION, rv: revision, start: nextKey.slice(listPrefix.length) };
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

function invalid(why: string): ApiError {
  return new ApiError('BadRequest', `invalid continue token: continue key is not valid${why ? `: ${why}` : ''}`);
}

/** Decodes a token for a list under listPrefix; a malformed or foreign token is a 400 as upstream words it. */
export function decodeContinue(token: string, listPrefix: string): ContinuePoint {
  const bad = token.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0 || token.length % 4 === 1)
    throw invalid(`illegal base64 data at input byte ${bad >= 0 ? bad : token.length - 1}`);
  let t: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof t;
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (t === null || typeof t !== 'object' || t.v !== VERSION) {
    throw invalid(
      `server does not recognize this encoded version${t && typeof t === 'object' && typeof t.v === 'string' ? ` ${JSON.stringify(t.v)}` : ''}`,
    );
  }
  const rv = typeof t.rv === 'number' && Number.isInteger(t.rv) ? t.rv : 0;
  if (rv === 0 || rv < LATEST_REVISION) throw invalid(`incorrect encoded start resourceVersion (version ${VERSION})`);
  const start = typeof t.start === 'string' ? t.start : '';
  if (!start) throw invalid(`encoded start key empty (version ${VERSION})`);
  // Path traversal defence, as upstream: the cleaned key must equal the key.
  const rooted = start.startsWith('/') ? start : `/${start}`;
  const cleaned = posix.normalize(rooted).replace(/(.)\/$/, '$1');
  if (cleaned !== rooted) throw invalid(start);
  return { startKey: listPrefix + rooted.slice(1), revision: rv > 0 ? rv : undefined };
}
