/**
 * In-memory Store with etcd's semantics (global revision starting at 1, per-key create/mod
 * revisions, atomic txns, watch replay from a revision, reads at a past revision, compaction),
 * for unit tests. setAvailable(false) makes every call fail as if etcd were down. Keys written with
 * a TTL go when the injected clock has passed it (checked at every call, and by expire()), with a
 * delete event as etcd's lease expiry makes.
 */
import { systemClock, type Clock } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { AsyncQueue } from '../util/queue.js';
import {
  FutureRevisionError,
  KeyExistsError,
  RevisionConflictError,
  expiredError,
  type DeleteResult,
  type KeyValue,
  type Store,
  type StoreEvent,
  type StoreListOptions,
  type StoreListResult,
  type TxnOp,
} from './store.js';

interface MemWatcher {
  prefix: string;
  queue: AsyncQueue<StoreEvent>;
}

export class MemoryStore implements Store {
  private rev = 1;
  private compacted = 0;
  private readonly kvs = new Map<string, KeyValue>();
  /** Every event with modRevision >= compacted, oldest first. */
  private log: LoggedEvent[] = [];
  private readonly watchers = new Set<MemWatcher>();
  private readonly observers = new Set<(ev: StoreEvent) => void>();
  private available = true;
  /** When each key written with a TTL goes (ms on the clock). */
  private readonly expiries = new Map<string, number>();
  private readonly clock: Clock;

  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Deletes the keys whose TTL has passed, in one revision (as one expired lease does). */
  expire(): void {
    const now = this.clock.now();
    const gone = [...this.expiries].filter(([, at]) => at <= now).map(([k]) => k);
    if (gone.length === 0) return;
    for (const k of gone) this.expiries.delete(k);
    this.apply(gone.map((key) => ({ type: 'delete', key })));
  }

  /** The current revision, read synchronously (tests). */
  get revision(): number {
    return this.rev;
  }

  /** Simulates etcd going away (false) and coming back (true). */
  setAvailable(up: boolean): void {
    this.available = up;
  }

  private up(): void {
    if (!this.available) throw new ApiError('ServiceUnavailable', 'etcd is unavailable: memory store is down');
    this.expire();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.up();
    const kv = this.kvs.get(key);
    return kv ? copy(kv) : undefined;
  }

  async list(prefix: string, opts: StoreListOptions = {}): Promise<StoreListResult> {
    this.up();
    const revision = opts.revision ?? this.rev;
    const state = revision === this.rev ? this.kvs : this.stateAt(revision);
    const start = opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix;
    const keys = [...state.keys()].filter(
      (k) => k.startsWith(prefix) && Buffer.compare(Buffer.from(k), Buffer.from(start)) >= 0,
    );
    keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const limit = opts.limit && opts.limit > 0 ? opts.limit : keys.length;
    const kvs = keys.slice(0, limit).map((k) => copy(state.get(k)!));
    return { kvs, revision, more: keys.length > limit };
  }

  async count(prefix: string, revision: number, minModRevision = 0): Promise<number> {
    this.up();
    const state = revision === this.rev ? this.kvs : this.stateAt(revision);
    let n = 0;
    for (const [k, kv] of state) if (k.startsWith(prefix) && kv.modRevision >= minModRevision) n++;
    return n;
  }

  /** The key-values as of a past revision: today's state with later events undone. */
  private stateAt(revision: number): Map<string, KeyValue> {
    if (revision < this.compacted) throw expiredError(revision, this.compacted);
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    const state = new Map(this.kvs);
    for (let i = this.log.length - 1; i >= 0; i--) {
      const ev = this.log[i]!;
      if (ev.modRevision <= revision) break;
      if (ev.prevValue === undefined) state.delete(ev.key);
      else
        state.set(ev.key, {
          key: ev.key,
          value: ev.prevValue,
          modRevision: ev.prevModRevision,
          createRevision: ev.createRevision,
        });
    }
    return state;
  }

  async create(key: string, value: Buffer): Promise<number> {
    return this.txn([{ type: 'create', key, value }]);
  }

  async update(key: string, value: Buffer, expectedModRevision: number): Promise<number> {
    return this.txn([{ type: 'update', key, value, modRevision: expectedModRevision }]);
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult | undefined> {
    this.up();
    const prev = this.kvs.get(key);
    if (expectedModRevision === undefined && !prev) return undefined;
    const revision = await this.txn([{ type: 'delete', key, modRevision: expectedModRevision }]);
    return { revision, prev: copy(prev!) };
  }

  async txn(ops: TxnOp[]): Promise<number> {
    this.up();
    return this.checkAndApply(ops);
  }

  /** Writes a key as is, now (a test's starting state, as if it were in etcd already); returns the revision. */
  putNow(key: string, value: Buffer): number {
    const cur = this.kvs.get(key);
    return this.checkAndApply([
      cur ? { type: 'update', key, value, modRevision: cur.modRevision } : { type: 'create', key, value },
    ]);
  }

  /** Removes a key now, if it is there (a test's starting state). */
  deleteNow(key: string): void {
    this.checkAndApply([{ type: 'delete', key }]);
  }

  /** Applies the ops if every precondition holds, else throws the first failure's error. */
  private checkAndApply(ops: TxnOp[]): number {
    for (const op of ops) {
      const cur = this.kvs.get(op.key);
      const curCopy = cur ? copy(cur) : undefined;
      if (op.type === 'create' && cur) throw new KeyExistsError(op.key, curCopy);
      if (
        (op.type === 'update' || op.type === 'check' || op.type === 'delete') &&
        op.modRevision !== undefined &&
        (cur?.modRevision ?? 0) !== op.modRevision
      )
        throw new RevisionConflictError(op.key, curCopy);
    }
    return this.apply(ops);
  }

  private apply(ops: TxnOp[]): number {
    const writes = ops.filter((op) => op.type !== 'check' && !(op.type === 'delete' && !this.kvs.has(op.key)));
    if (writes.length === 0) return this.rev;
    const rev = ++this.rev;
    const first = this.log.length;
    for (const op of writes) {
      const prev = this.kvs.get(op.key);
      this.expiries.delete(op.key);
      if (op.type === 'delete') {
        this.kvs.delete(op.key);
        this.emit({
          type: 'delete',
          key: op.key,
          value: Buffer.alloc(0),
          prevValue: prev!.value,
          prevModRevision: prev!.modRevision,
          modRevision: rev,
          createRevision: prev!.createRevision,
        });
      } else if (op.type === 'create' || op.type === 'update') {
        const kv: KeyValue = {
          key: op.key,
          value: Buffer.from(op.value),
          modRevision: rev,
          createRevision: prev?.createRevision ?? rev,
        };
        this.kvs.set(op.key, kv);
        if (op.ttlSeconds !== undefined) this.expiries.set(op.key, this.clock.now() + op.ttlSeconds * 1000);
        this.emit({
          type: 'put',
          key: op.key,
          value: kv.value,
          prevValue: prev?.value,
          prevModRevision: prev?.modRevision ?? 0,
          modRevision: rev,
          createRevision: kv.createRevision,
        });
      }
    }
    // Observers see the whole txn applied (a peek from one sees every key it wrote).
    for (const ev of this.log.slice(first)) for (const fn of [...this.observers]) fn(publicEvent(ev));
    return rev;
  }

  /**
   * Calls fn synchronously for every write, in revision order, inside the write itself (before its
   * caller sees the result): the in-process API's zero-lag change feed for unit tests.
   */
  observe(fn: (ev: StoreEvent) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** The current key-values under a prefix, in key order, read synchronously (test peeks; no availability check). */
  snapshot(prefix: string): KeyValue[] {
    const keys = [...this.kvs.keys()].filter((k) => k.startsWith(prefix));
    keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return keys.map((k) => copy(this.kvs.get(k)!));
  }

  private emit(ev: LoggedEvent): void {
    this.log.push(ev);
    for (const w of this.watchers) if (ev.key.startsWith(w.prefix)) w.queue.push(publicEvent(ev));
  }

  async *watch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncGenerator<StoreEvent> {
    this.up();
    if (fromRevision < this.compacted) throw expiredError(fromRevision - 1, this.compacted);
    const w: MemWatcher = { prefix, queue: new AsyncQueue<StoreEvent>() };
    for (const ev of this.log)
      if (ev.modRevision >= fromRevision && ev.key.startsWith(prefix)) w.queue.push(publicEvent(ev));
    this.watchers.add(w);
    const onAbort = (): void => w.queue.close();
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      yield* w.queue;
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.watchers.delete(w);
    }
  }

  async currentRevision(): Promise<number> {
    this.up();
    return this.rev;
  }

  async compact(revision: number): Promise<void> {
    this.up();
    if (revision <= this.compacted) throw new ApiError('Expired', `mvcc: required revision has been compacted`);
    if (revision > this.rev) throw new ApiError('BadRequest', `mvcc: required revision is a future revision`);
    this.compacted = revision;
    this.log = this.log.filter((ev) => ev.modRevision >= revision);
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.queue.close();
    this.watchers.clear();
  }
}

type LoggedEvent = StoreEvent & { prevModRevision: number };

function publicEvent(ev: LoggedEvent): StoreEvent {
  return {
    type: ev.type,
    key: ev.key,
    value: ev.value,
    prevValue: ev.prevValue,
    modRevision: ev.modRevision,
    createRevision: ev.createRevision,
  };
}

function copy(kv: KeyValue): KeyValue {
  return { key: kv.key, value: Buffer.from(kv.value), modRevision: kv.modRevision, createRevision: kv.createRevision };
}
