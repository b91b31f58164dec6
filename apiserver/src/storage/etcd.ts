/**
 * Store on a real etcd (v3 API through the `etcd3` client). Unary calls carry a deadline and
 * map a missing etcd to ApiError('ServiceUnavailable'); the client reconnects by itself when etcd
 * comes back, and watches resume from their last revision (etcd-watch.ts: a watchdog replaces a
 * stuck watch client; a compacted start ends the watch with Expired). A watch or read at a compacted
 * revision becomes ApiError('Expired', 'too old resource version: X (Y)'); a read at a revision
 * etcd has not reached yet becomes FutureRevisionError.
 *
 * The etcd3 client's own fault handling is switched off: its circuit breaker turned three slow
 * calls into five seconds of refusing every call (lease renewals included, so nodes went NotReady
 * under load), and its retries tripled the load of an etcd that was already slow. Failing over
 * between members (the HA profile) is etcd-failover.ts's: one name for every member, and a short
 * retry of calls etcd refused as unavailable.
 */
import { noop } from 'cockatiel';
import { Etcd3, isRecoverableError, type ICompare, type IRangeRequest } from 'etcd3';
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import { systemClock } from '@kubelab/api';
import { etcdGrpcOptions, withFailover } from './etcd-failover.js';
import { LeaseCache } from './leases.js';
import { landedRevision, modEquals, toKeyValue, txnFailure, txnRequest } from './etcd-txn.js';
import { Coalescer } from './coalesce.js';
import { DEFAULT_WATCH_TIMINGS, EtcdWatches, guardWatchManager, type WatchTimings } from './etcd-watch.js';
import {
  FutureRevisionError,
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

export interface EtcdStoreOptions {
  /** etcd endpoints, e.g. ["http://etcd:2379"]. */
  endpoints: string[];
  /** Deadline of each unary call. */
  callTimeoutMs?: number;
  log?: Logger;
  /** The watchdog's timings (tests shorten them). */
  watchTimings?: Partial<WatchTimings>;
}

export class EtcdStore implements Store {
  private readonly client: Etcd3;
  /** Watches run on a client of their own, replaced when its watch stream is stuck (etcd-watch.ts). */
  private watchClient: Etcd3;
  private watchGuard: { silence(): void };
  private readonly newClient: () => Etcd3;
  private readonly log: Logger | undefined;
  private readonly watches: EtcdWatches;
  private resets = 0;
  /** Shared leases of the keys written with a TTL (Events). */
  readonly leases: LeaseCache;

  constructor(opts: EtcdStoreOptions) {
    const timeout = opts.callTimeoutMs ?? 5_000;
    this.log = opts.log;
    this.newClient = () =>
      new Etcd3({
        hosts: opts.endpoints,
        dialTimeout: timeout,
        faultHandling: { host: () => noop, global: noop },
        defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
        grpcOptions: etcdGrpcOptions(),
      });
    this.client = this.newClient();
    this.leases = new LeaseCache(
      async (ttl) => (await this.call(() => this.client.leaseClient.leaseGrant({ TTL: ttl }))).ID,
      systemClock,
    );
    this.watchClient = this.newClient();
    this.watchGuard = guardWatchManager(this.watchClient, this.log);
    this.watches = new EtcdWatches(
      {
        watchClient: () => this.watchClient,
        ping: async () => void (await this.currentRevision()),
        modifiedSince: async (prefix, revision) => {
          // keys_only, counted here: etcd's count_only counts before min_mod_revision filters, so every
          // quiet prefix holding keys looked stuck (the watch client replaced every ~9 s, /readyz flapping).
          const res = await this.call(() =>
            this.client.kv.range({
              key: Buffer.from(prefix),
              range_end: prefixEnd(prefix),
              min_mod_revision: String(revision + 1),
              keys_only: true,
            }),
          );
          return { count: res.kvs.length, revision: Number(res.header.revision) };
        },
        assertNotCompacted: (prefix, revision) => this.assertNotCompacted(prefix, revision),
        resetWatchClient: (reason) => this.resetWatchClient(reason),
      },
      opts.log,
      { ...DEFAULT_WATCH_TIMINGS, ...opts.watchTimings },
    );
  }

  /** Why the watch layer is unhealthy right now, if it is (/readyz's etcd-watch check). */
  watchHealth(): string | undefined {
    return this.watches.health();
  }

  /** How many times the watch client was replaced (tests, metrics). */
  get watchClientResets(): number {
    return this.resets;
  }

  private resetWatchClient(reason: string): void {
    const old = this.watchClient;
    this.watchClient = this.newClient();
    this.resets++;
    this.log?.warn(
      { reason, resets: this.resets },
      'etcd watch stuck: replacing the watch client; every watch resumes from its own revision',
    );
    this.watches.clientReplaced();
    this.watchGuard.silence();
    this.watchGuard = guardWatchManager(this.watchClient, this.log);
    old.close();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(key) }));
    const kv = res.kvs[0];
    return kv ? toKeyValue(kv) : undefined;
  }

  async list(prefix: string, opts: StoreListOptions = {}): Promise<StoreListResult> {
    const req: IRangeRequest = {
      key: Buffer.from(opts.startKey !== undefined && opts.startKey > prefix ? opts.startKey : prefix),
      range_end: prefixEnd(prefix),
    };
    if (opts.limit && opts.limit > 0) req.limit = opts.limit;
    if (opts.revision !== undefined) req.revision = opts.revision;
    const res = await this.call(() => this.client.kv.range(req), opts.revision, true);
    return { kvs: res.kvs.map(toKeyValue), revision: opts.revision ?? Number(res.header.revision), more: res.more };
  }

  create(key: string, value: Buffer): Promise<number> {
    return this.txn([{ type: 'create', key, value }]);
  }

  update(key: string, value: Buffer, expectedModRevision: number): Promise<number> {
    return this.txn([{ type: 'update', key, value, modRevision: expectedModRevision }]);
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult | undefined> {
    const compare: ICompare[] = expectedModRevision === undefined ? [] : [modEquals(key, expectedModRevision)];
    const res = await this.call(() =>
      this.client.kv.txn({
        compare,
        success: [{ request_delete_range: { key: Buffer.from(key), prev_kv: true } }],
        failure: [{ request_range: { key: Buffer.from(key) } }],
      }),
    );
    if (!res.succeeded) {
      const cur = res.responses[0]?.response_range.kvs[0];
      throw new RevisionConflictError(key, cur ? toKeyValue(cur) : undefined);
    }
    const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
    if (!prev) return undefined;
    return { revision: Number(res.header.revision), prev: toKeyValue(prev) };
  }

  async txn(ops: TxnOp[]): Promise<number> {
    const leases = await this.leases.forOps(ops);
    try {
      return await this.txnWith(ops, leases);
    } catch (err) {
      // A lease etcd no longer has (revoked, or etcd lost it): once more with a new one.
      if (!(err instanceof ApiError) || !/lease not found/.test(err.message)) throw err;
      for (const id of leases) if (id !== undefined) this.leases.forget(id);
      return this.txnWith(ops, await this.leases.forOps(ops));
    }
  }

  private async txnWith(ops: TxnOp[], leases: (string | undefined)[]): Promise<number> {
    let tries = 0;
    const res = await this.call(() => {
      tries++;
      return this.client.kv.txn(txnRequest(ops, leases));
    });
    if (res.succeeded) return Number(res.header.revision);
    // A retry that meets its own earlier try's write: that try landed, so the write is done.
    const landed = tries > 1 ? landedRevision(ops, res.responses) : undefined;
    if (landed !== undefined) return landed;
    throw txnFailure(ops, res.responses);
  }

  /** Events from fromRevision on; recovers from stuck, cancelled and dropped streams (etcd-watch.ts). */
  watch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncGenerator<StoreEvent> {
    return this.watches.watch(prefix, fromRevision, signal);
  }

  /** Throws ApiError('Expired') when reading at `revision` is no longer possible. */
  async assertNotCompacted(prefix: string, revision: number): Promise<void> {
    try {
      await this.client.kv.range({
        key: Buffer.from(prefix),
        range_end: prefixEnd(prefix),
        revision,
        limit: 1,
        keys_only: true,
      });
    } catch (err) {
      const msg = errorMessage(err);
      if (msg.includes('future revision')) return;
      if (msg.includes('compacted')) throw expiredError(revision - 1, await this.oldestRevision(revision));
      throw toApiError(err);
    }
  }

  /** The compacted revision (the oldest still readable), found by bisection between lo (gone) and now. */
  private async oldestRevision(lo: number): Promise<number> {
    try {
      let hi = await this.currentRevision();
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        try {
          await this.client.kv.range({ key: Buffer.from('\0'), revision: mid, count_only: true });
          hi = mid;
        } catch (err) {
          if (!errorMessage(err).includes('compacted')) return hi;
          lo = mid;
        }
      }
      return hi;
    } catch {
      return lo + 1;
    }
  }

  async count(prefix: string, revision: number, minModRevision?: number): Promise<number> {
    const req: IRangeRequest = { key: Buffer.from(prefix), range_end: prefixEnd(prefix), revision, count_only: true };
    if (minModRevision !== undefined && minModRevision > 0) {
      // etcd's count is taken before min_mod_revision filters (count_only would answer every key
      // in the range): ask for the keys themselves, which are filtered, and count those.
      const res = await this.call(
        () => this.client.kv.range({ ...req, count_only: false, keys_only: true, min_mod_revision: minModRevision }),
        revision,
        true,
      );
      return res.kvs.length;
    }
    const res = await this.call(() => this.client.kv.range(req), revision, true);
    return Number(res.count);
  }

  /** etcd's revision now (linearizable); concurrent callers share reads (coalesce.ts). */
  currentRevision(): Promise<number> {
    return this.revisions.get();
  }

  private readonly revisions = new Coalescer(async () => {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from('\0'), count_only: true }));
    return Number(res.header.revision);
  });

  async compact(revision: number): Promise<void> {
    await this.call(() => this.client.kv.compact({ revision, physical: true }), revision);
  }

  async close(): Promise<void> {
    this.client.close();
    this.watchClient.close();
  }

  /** Runs one unary call; `readRevision`: the call reads (or compacts) at that revision. */
  private async call<T>(fn: () => Promise<T>, readRevision?: number, isRead = false): Promise<T> {
    try {
      return await withFailover(fn);
    } catch (err) {
      if (readRevision !== undefined && errorMessage(err).includes('compacted'))
        throw expiredError(readRevision, await this.oldestRevision(readRevision));
      if (isRead && readRevision !== undefined && errorMessage(err).includes('future revision')) {
        throw new FutureRevisionError(readRevision, await this.currentRevision().catch(() => 0));
      }
      throw toApiError(err);
    }
  }
}

/** etcd's range_end for "every key with this prefix". */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix, 'utf8');
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i] = b[i]! + 1;
      return out;
    }
  }
  return Buffer.from([0]);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Maps an etcd3 client error to the ApiError the apiserver reports. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const msg = errorMessage(err);
  const e = err as { isBrokenCircuitError?: boolean; name?: string };
  // An oversized request (RESOURCE_EXHAUSTED counts as recoverable in etcd3) is not an outage.
  if (/request is too large|received message larger than max/i.test(msg))
    return new ApiError('InternalError', `etcd: ${msg}`);
  const transient =
    (err instanceof Error && isRecoverableError(err)) ||
    e.isBrokenCircuitError === true ||
    e.name === 'ClientClosedError' ||
    /unavailable|deadline|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|No connection established|connection|leader/i.test(msg);
  if (transient) return new ApiError('ServiceUnavailable', `etcd is unavailable: ${msg}`, { retryAfterSeconds: 1 });
  return new ApiError('InternalError', `etcd: ${msg}`);
}
