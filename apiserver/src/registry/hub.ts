/**
 * The watch cache of one resource (upstream's cacher): one list and then one storage watch per
 * resource prefix, shared by every watcher of that resource and by the reads served from memory.
 * The hub keeps the full state (cache-state.ts) and a bounded history, so that watchers starting
 * at a recent revision are served from memory; older starts get a storage watch of their own
 * (which reports Expired when compacted). Each watcher has a bounded backlog; one that falls too
 * far behind is ended with Expired so that it relists. The hub stops a while after its last
 * watcher left and its last cached read.
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { ownBytes } from '../util/own-bytes.js';
import { AsyncQueue } from '../util/queue.js';
import { FutureRevisionError, type Store, type StoreEvent, type StoreListResult } from '../storage/store.js';
import { CacheState } from './cache-state.js';
import { slowWatcher, watchDirect } from './hub-direct.js';
import { TriggerIndex, type Trigger } from './hub-triggers.js';

export interface HubEvent {
  type: 'put' | 'delete';
  key: string;
  rev: number;
  /** New state (puts). Shared: read-only. */
  obj: KubeObject | undefined;
  /** State before the event, if any. Shared: read-only. */
  prev: KubeObject | undefined;
  raw: Buffer;
  prevRaw: Buffer | undefined;
  /** The encodings watchers share (watch-event.ts), made on first use. */
  wire?: Map<string, string | Buffer>;
}

/**
 * A bookmark tick (Subscription.bookmark): a revision every event up to which was delivered
 * before it, or null when the subscriber's own last event is all that is known.
 */
export type HubItem = HubEvent | number | null;

export interface Subscription {
  queue: AsyncQueue<HubItem>;
  /** Queues a bookmark tick behind the events delivered so far. */
  bookmark(): void;
  close(): void;
}

export interface HubOptions {
  /** Events kept for late subscribers. */
  historySize: number;
  /** Backlog after which a watcher is ended with Expired. */
  bufferSize: number;
  /** How long the storage watch outlives its last subscriber. */
  lingerMs: number;
  log?: Logger;
}

type Decode = (value: Buffer, rev: number) => KubeObject;

interface Sub {
  from: number;
  queue: AsyncQueue<HubItem>;
  /** Stops the storage watch of its own (a start older than the history). */
  ac?: AbortController;
  /** The field value it selects on: only events of objects with it (before or after) are queued. */
  trigger?: Trigger | undefined;
}

/** The floor of a hub started without a revision, until its list says where it is. */
const UNKNOWN = Number.MAX_SAFE_INTEGER;

export class WatchHub {
  private readonly subs = new Set<Sub>();
  /** The attached subscribers (subs) by trigger. */
  private readonly index = new TriggerIndex<Sub>();
  /** Subscribers that came while a revision-less start was listing: placed once it has. */
  private readonly early = new Set<Sub>();
  private history: HubEvent[] = [];
  /** Every event with rev > floor is in history (while running). */
  private floor = 0;
  private running = false;
  private gen = 0;
  private ac: AbortController | undefined;
  private linger: NodeJS.Timeout | undefined;
  /** Every object under the prefix, complete at state.rev once synced. */
  readonly state = new CacheState();
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private changeWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    readonly prefix: string,
    private readonly decode: Decode,
    private readonly opts: HubOptions,
  ) {}

  get subscribers(): number {
    return this.subs.size;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The state is filled and kept current (reads may be served from it). */
  get isSynced(): boolean {
    return this.running && this.synced;
  }

  /** Changes each time the hub (re)starts or stops: a check begun under one epoch does not apply to another. */
  get epoch(): number {
    return this.gen;
  }

  /** Starts the hub if it is not running, and keeps it from lingering out (a cached read). */
  ensure(): void {
    if (!this.running) this.start(undefined);
    if (this.subs.size === 0) this.armLinger();
  }

  /** Resolves true once synced, false after ms (or when the hub fails first). */
  whenSynced(ms: number): Promise<boolean> {
    if (this.isSynced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        resolve(this.isSynced);
      };
      const t = setTimeout(done, ms);
      this.syncWaiters.push(done);
    });
  }

  /** Resolves at the next event the state takes in, or after ms. */
  nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.changeWaiters.push(done);
    });
  }

  /** The state is known (by a check against storage) to be current at `rev`. */
  advance(rev: number, epoch: number): void {
    if (epoch === this.gen && this.isSynced) this.state.rev = Math.max(this.state.rev, rev);
  }

  /** Events with rev >= from, in order (with a trigger: at least those of objects that have it). */
  subscribe(from: number, trigger?: Trigger): Subscription {
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    const queue = new AsyncQueue<HubItem>();
    const sub: Sub = { from, queue, trigger };
    if (!this.running) this.start(from);
    if (this.floor === UNKNOWN) this.early.add(sub);
    else this.attach(sub);
    return {
      queue,
      // Every event up to the state's revision has been queued to an attached subscriber.
      bookmark: () => queue.push(this.subs.has(sub) && this.isSynced ? this.state.rev : null),
      close: () => this.unsubscribe(sub),
    };
  }

  /** Served from memory when its start is in the history, else by a storage watch of its own. */
  private attach(sub: Sub): void {
    if (sub.from > this.floor) {
      for (const ev of this.history) if (ev.rev >= sub.from) sub.queue.push(ev);
      this.subs.add(sub);
      this.index.add(sub);
      return;
    }
    sub.ac = new AbortController();
    void watchDirect(
      this.store,
      this.prefix,
      sub.from,
      sub.queue,
      sub.ac.signal,
      (ev) => this.toHubEvent(ev),
      this.opts.bufferSize,
    );
  }

  /** Stops the storage watch and ends every subscriber (quietly). */
  stop(): void {
    for (const sub of [...this.subs, ...this.early]) sub.queue.close();
    this.subs.clear();
    this.index.clear();
    this.early.clear();
    this.halt();
  }

  private halt(): void {
    this.running = false;
    this.gen++;
    this.ac?.abort();
    this.ac = undefined;
    this.history = [];
    this.state.clear();
    this.synced = false;
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
  }

  /** Lists at from - 1 (latest when from is undefined or in the future), then watches after the list. */
  private start(from: number | undefined): void {
    this.running = true;
    const gen = ++this.gen;
    this.history = [];
    this.state.clear();
    this.synced = false;
    // Until the list answers, a start without a revision holds its subscribers back (early).
    this.floor = from === undefined ? UNKNOWN : from - 1;
    const ac = new AbortController();
    this.ac = ac;
    void (async () => {
      try {
        const listed = await this.listAt(from === undefined ? undefined : from - 1);
        if (gen !== this.gen) return;
        this.state.fill(listed.kvs, listed.revision, (raw, rev) => this.decodeOrSkip(raw, rev));
        if (from === undefined) {
          this.floor = listed.revision;
          for (const sub of this.early) this.attach(sub);
          this.early.clear();
        }
        this.synced = true;
        for (const w of this.syncWaiters.splice(0)) w();
        for await (const ev of this.store.watch(this.prefix, listed.revision + 1, ac.signal)) {
          if (gen !== this.gen) return;
          this.dispatch(ev);
        }
        if (gen === this.gen && !ac.signal.aborted)
          this.failAll(new ApiError('ServiceUnavailable', `storage watch of ${this.prefix} ended`));
      } catch (err) {
        if (gen === this.gen) this.failAll(err);
      }
    })();
  }

  private async listAt(revision: number | undefined): Promise<StoreListResult> {
    try {
      return await this.store.list(this.prefix, revision === undefined ? {} : { revision });
    } catch (err) {
      // A watch from a revision etcd has not reached yet: the state as of now, events from then on.
      if (err instanceof FutureRevisionError) return this.store.list(this.prefix);
      throw err;
    }
  }

  private decodeOrSkip(raw: Buffer, rev: number): KubeObject | undefined {
    try {
      return this.decode(raw, rev);
    } catch (err) {
      this.opts.log?.error(
        { prefix: this.prefix, err: (err as Error).message },
        'undecodable object in storage; left out of the watch cache',
      );
      return undefined;
    }
  }

  private failAll(err: unknown): void {
    this.opts.log?.debug({ prefix: this.prefix, err: (err as Error).message }, 'watch hub failed; ending its watchers');
    for (const sub of [...this.subs, ...this.early]) sub.queue.fail(err);
    this.subs.clear();
    this.index.clear();
    this.early.clear();
    this.halt();
    for (const w of this.syncWaiters.splice(0)) w();
  }

  private toHubEvent(ev: StoreEvent): HubEvent | undefined {
    try {
      return {
        type: ev.type,
        key: ev.key,
        rev: ev.modRevision,
        obj: ev.type === 'put' ? this.decode(ev.value, ev.modRevision) : undefined,
        prev: ev.prevValue ? this.previous(ev.key, ev.prevValue, ev.modRevision) : undefined,
        raw: ownBytes(ev.value),
        prevRaw: ev.prevValue && ownBytes(ev.prevValue),
      };
    } catch (err) {
      this.opts.log?.error(
        { key: ev.key, err: (err as Error).message },
        'undecodable object in storage; event skipped',
      );
      return undefined;
    }
  }

  /**
   * The state an event replaced, as a watcher sees it (resourceVersion: the event's). The cache
   * holds it decoded already when its bytes are the same (always, but after a relist): a copy of
   * its top level and metadata then, not another parse (the nested parts are shared, read-only).
   */
  private previous(key: string, raw: Buffer, rev: number): KubeObject {
    const cached = this.state.get(key);
    if (!cached || !cached.raw.equals(raw)) return this.decode(raw, rev);
    return { ...cached.obj, metadata: { ...cached.obj.metadata, resourceVersion: String(rev) } };
  }

  private dispatch(ev: StoreEvent): void {
    const he = this.toHubEvent(ev);
    if (!he) return;
    this.state.apply(he);
    if (this.changeWaiters.length) for (const w of this.changeWaiters.splice(0)) w();
    this.history.push(he);
    if (this.history.length > 2 * this.opts.historySize) {
      const drop = this.history.length - this.opts.historySize;
      this.floor = this.history[drop - 1]!.rev;
      this.history = this.history.slice(drop);
    }
    this.index.forEvent(he.obj, he.prev, (sub) => {
      if (he.rev < sub.from) return;
      if (sub.queue.size >= this.opts.bufferSize) {
        sub.queue.fail(slowWatcher(sub.from, he.rev));
        this.subs.delete(sub);
        this.index.delete(sub);
        return;
      }
      sub.queue.push(he);
    });
  }

  private unsubscribe(sub: Sub): void {
    sub.queue.close();
    sub.ac?.abort();
    this.early.delete(sub);
    if (!this.subs.delete(sub)) return;
    this.index.delete(sub);
    if (this.subs.size === 0) this.armLinger();
  }

  /** (Re)starts the countdown after which an unused hub stops. */
  private armLinger(): void {
    if (!this.running) return;
    if (this.linger) clearTimeout(this.linger);
    this.linger = setTimeout(() => {
      this.linger = undefined;
      if (this.subs.size === 0 && this.early.size === 0) this.halt();
    }, this.opts.lingerMs);
    this.linger.unref();
  }
}
