/**
 * Which revision a LIST reads at, following upstream's "Semantics for get and list":
 *
 * | request                                        | read                                   |
 * |------------------------------------------------|----------------------------------------|
 * | resourceVersion unset                          | latest (consistent)                    |
 * | resourceVersion "0" (match unset/NotOlderThan) | any: the watch cache, else the latest   |
 * | "N", match NotOlderThan                        | latest once the store has reached N    |
 * | "N", match unset, no limit (legacy)            | as NotOlderThan                        |
 * | "N", match unset, limit set (legacy)           | exactly at N                           |
 * | "N", match Exact                               | exactly at N                           |
 * | continue token                                 | at the token's revision (-1: latest)   |
 *
 * The errors are upstream's: a compacted N is 410 Expired, an N the store has not reached yet is
 * 504 Timeout with cause ResourceVersionTooLarge (after waiting a little for NotOlderThan, with
 * retryAfterSeconds 1, as the watch cache does; at once for exact reads).
 */
import { ApiError, type StatusObject } from '@kubelab/proto';
import { parseResourceVersion } from './core.js';
import { decodeContinue } from './continue.js';
import type { ListQuery } from './types.js';

export type ReadPlan =
  | { kind: 'latest' }
  | { kind: 'any' }
  | { kind: 'notOlderThan'; revision: number }
  | { kind: 'exact'; revision: number }
  | { kind: 'continue'; startKey: string; revision: number | undefined };

export const MATCH_EXACT = 'Exact';
export const MATCH_NOT_OLDER_THAN = 'NotOlderThan';

/** Decides how to read the list under listPrefix; throws upstream's 400s for what storage rejects. */
export function planList(q: ListQuery, listPrefix: string): ReadPlan {
  const match = q.resourceVersionMatch ?? '';
  if (match !== '' && match !== MATCH_EXACT && match !== MATCH_NOT_OLDER_THAN) {
    throw new ApiError('BadRequest', `unknown ResourceVersionMatch value: ${match}`);
  }
  if (q.continue) {
    const point = decodeContinue(q.continue, listPrefix);
    if (q.resourceVersion && q.resourceVersion !== '0')
      throw new ApiError('BadRequest', 'specifying resource version is not allowed when using continue');
    return { kind: 'continue', ...point };
  }
  const rv = parseResourceVersion(q.resourceVersion);
  if (rv === undefined) return { kind: 'latest' };
  if (rv === 0) return { kind: 'any' };
  if (match === MATCH_EXACT) return { kind: 'exact', revision: rv };
  if (match === '' && q.limit && q.limit > 0) return { kind: 'exact', revision: rv };
  return { kind: 'notOlderThan', revision: rv };
}

/** 504 `Timeout: Too large resource version: N, current: M` with upstream's cause. */
export function tooLargeResourceVersion(requested: number, current: number, retryAfterSeconds: number): ApiError {
  return new ApiError('Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
  });
}

/** 410 for an exact read at a compacted revision. */
export function listTooOld(): ApiError {
  return new ApiError('Expired', 'The resourceVersion for the provided list is too old.');
}

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/**
 * 410 for a continue token whose revision was compacted. Like upstream, the Status carries in
 * metadata.continue a token that finishes the list at the latest revision (inconsistently).
 */
export class ContinueExpiredError extends ApiError {
  constructor(readonly continueToken: string) {
    super('Expired', CONTINUE_EXPIRED);
  }

  override toStatus(): StatusObject {
    const s = super.toStatus();
    s.metadata = { continue: this.continueToken };
    return s;
  }
}
