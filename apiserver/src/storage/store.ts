/**
 * The storage seam: a key-value store with etcd's revision model. Every write bumps one global
 * revision; each key remembers the revision it was created at and last modified at. Writes are
 * compare-and-swap (txn) so the registry never loses an update.
 *
 * Errors: a failed precondition throws KeyExistsError / RevisionConflictError (the registry turns
 * them into AlreadyExists / Conflict with resource names); a store that cannot be reached throws
 * ApiError('ServiceUnavailable'); a watch or read at a compacted revision throws ApiError('Expired');
 * a read at a revision that does not exist yet throws FutureRevisionError.
 */
import { ApiError } from '@kubelab/proto';

export interface KeyValue {
  key: string;
  value: Buffer;
  modRevision: number;
  createRevision: number;
}

export interface StoreListOptions {
  /** At most this many keys (0/undefined = all). */
  limit?: number;
  /** Start at this key (inclusive) instead of at the prefix. */
  startKey?: string;
  /** Read the state as of this revision (must not be compacted). */
  revision?: number;
}

export interface StoreListResult {
  kvs: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** More keys follow the last one returned. */
  more: boolean;
}

/** One step of an atomic transaction; all preconditions must hold or nothing is written. */
/**
 * `ttlSeconds` on a write: the key goes by itself at least that long after this write (etcd: a
 * shared lease, leases.ts; its deletion is a watch event like any other); a write without it keeps
 * the key until it is deleted.
 */
export type TxnOp =
  /** Write a key that must not exist yet. */
  | { type: 'create'; key: string; value: Buffer; ttlSeconds?: number }
  /** Overwrite a key whose mod revision must equal modRevision. */
  | { type: 'update'; key: string; value: Buffer; modRevision: number; ttlSeconds?: number }
  /** Delete a key; with modRevision the key must exist at that mod revision, without it a missing key is fine. */
  | { type: 'delete'; key: string; modRevision?: number }
  /** Write nothing; the key's mod revision must equal modRevision (0 = must not exist). */
  | { type: 'check'; key: string; modRevision: number };

export interface StoreEvent {
  type: 'put' | 'delete';
  key: string;
  /** The new value (empty for delete). */
  value: Buffer;
  /** The value before this event, when there was one. */
  prevValue: Buffer | undefined;
  /** The revision of this event (the deletion revision for deletes). */
  modRevision: number;
  createRevision: number;
}

export interface DeleteResult {
  /** The revision of the deletion. */
  revision: number;
  /** The deleted key-value as it was just before. */
  prev: KeyValue;
}

/** A `create` precondition failed: the key exists (current holds it). */
export class KeyExistsError extends Error {
  constructor(
    readonly key: string,
    readonly current: KeyValue | undefined,
  ) {
    super(`key ${key} already exists`);
    this.name = 'KeyExistsError';
  }
}

/** An `update`/`delete`/`check` precondition failed: current is the key's value now (undefined = missing). */
export class RevisionConflictError extends Error {
  constructor(
    readonly key: string,
    readonly current: KeyValue | undefined,
  ) {
    super(`key ${key} was modified (or is missing)`);
    this.name = 'RevisionConflictError';
  }
}

/** A read asked for a revision newer than the store's current one (etcd: "required revision is a future revision"). */
export class FutureRevisionError extends Error {
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super(`revision ${requested} is in the future (current ${current})`);
    this.name = 'FutureRevisionError';
  }
}

export interface Store {
  get(key: string): Promise<KeyValue | undefined>;
  /** With opts.revision: Expired when compacted, FutureRevisionError when newer than the current revision. */
  list(prefix: string, opts?: StoreListOptions): Promise<StoreListResult>;
  /** Creates a key that must not exist; returns the new revision. Throws KeyExistsError. */
  create(key: string, value: Buffer): Promise<number>;
  /** CAS write; returns the new revision. Throws RevisionConflictError. */
  update(key: string, value: Buffer, expectedModRevision: number): Promise<number>;
  /** Deletes a key (CAS when expectedModRevision is given); undefined when it did not exist. */
  delete(key: string, expectedModRevision?: number): Promise<DeleteResult | undefined>;
  /** Applies all ops atomically at one revision, or throws the error of the first failed precondition. */
  txn(ops: TxnOp[]): Promise<number>;
  /**
   * Events under prefix with modRevision >= fromRevision, in order, until the signal aborts.
   * Throws ApiError('Expired') when fromRevision is older than the compacted revision.
   */
  watch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncIterable<StoreEvent>;
  currentRevision(): Promise<number>;
  /**
   * How many keys under prefix exist at `revision` (with minModRevision: only those last modified
   * at or after it). The watch cache proves with two counts that a quiet prefix had no event up to
   * a revision. Expired when compacted, FutureRevisionError when newer than the current revision.
   */
  count(prefix: string, revision: number, minModRevision?: number): Promise<number>;
  /** Why the store's watches are unhealthy right now, if they are (a store that can tell). */
  watchHealth?(): string | undefined;
  /** Discards history older than revision (as etcd compaction does). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

/** The message upstream uses when a watch starts before the oldest kept revision. */
export function expiredError(requested: number, oldest: number): ApiError {
  return new ApiError('Expired', `too old resource version: ${requested} (${oldest})`);
}
