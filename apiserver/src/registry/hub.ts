/**
 * Watch fan-out: one storage watch per resource prefix, shared by every watcher of that
 * resource. The hub keeps a bounded history so that watchers starting at a recent revision are
 * served from memory; older starts get a storage watch of their own (which reports Expired when
 * compacted). Each watcher has a bounded backlog; one that falls too far behind is ended with
 * Expired so that it relists. The storage watch stops a while after the last watcher left.
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { AsyncQueue } from '../util/queue.js';
import type { Store, StoreEvent } from '../storage/store.js';

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
}

/** null = a bookmark tick, inserted by the consumer itself. */
export type HubItem = HubEvent | null;

export interface Subscription {
  queue: AsyncQueue<HubItem>;
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
}

function slowWatcher(sub: Sub, rev: number): ApiError {
  return new ApiError('Expired', `too old resource version: ${sub.from - 1} (${rev})`);
}

export class WatchHub {
  private readonly subs = new Set<Sub>();
  private history: HubEvent[] = [];
  /** Every event with rev > floor is in history (while running). */
  private floor = 0;
  private running = false;
  private gen = 0;
  private ac: AbortController | undefined;
  private linger: NodeJS.Timeout | undefined;

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

  /** Events with rev >= from, in order. */
  subscribe(from: number): Subscription {
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
    const queue = new AsyncQueue<HubItem>();
    if (!this.running) this.start(from);
    if (from > this.floor) {
      const sub: Sub = { from, queue };
      for (const ev of this.history) if (ev.rev >= from) queue.push(ev);
      this.subs.add(sub);
      return { queue, close: () => this.unsubscribe(sub) };
    }
    const ac = new AbortController();
    void this.direct(from, queue, ac.signal);
    return {
      queue,
      close: () => {
        ac.abort();
        queue.close();
      },
    };
  }

  /** Stops the storage watch and ends every subscriber (quietly). */
  stop(): void {
    for (const sub of this.subs) sub.queue.close();
    this.subs.clear();
    this.halt();
  }

  private halt(): void {
    this.running = false;
    this.gen++;
    this.ac?.abort();
    this.ac = undefined;
    this.history = [];
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
  }

  private start(from: number): void {
    this.running = true;
    const gen = ++this.gen;
    this.history = [];
    this.floor = from - 1;
    const ac = new AbortController();
    this.ac = ac;
    void (async () => {
      try {
        for await (const ev of this.store.watch(this.prefix, from, ac.signal)) {
          if (gen !== this.gen) return;
          this.dispatch(ev);
        }
        if (gen === this.gen && !ac.signal.aborted) this.failAll(new ApiError('ServiceUnavailable', `storage watch of ${this.prefix} ended`));
      } catch (err) {
        if (gen === this.gen) this.failAll(err);
      }
    })();
  }

  private failAll(err: unknown): void {
    this.opts.log?.debug({ prefix: this.prefix, err: (err as Error).message }, 'watch hub failed; ending its watchers');
    for (const sub of this.subs) sub.queue.fail(err);
    this.subs.clear();
    this.halt();
  }

  private toHubEvent(ev: StoreEvent): HubEvent | undefined {
    try {
      return {
        type: ev.type,
        key: ev.key,
        rev: ev.modRevision,
        obj: ev.type === 'put' ? this.decode(ev.value, ev.modRevision) : undefined,
        prev: ev.prevValue ? this.decode(ev.prevValue, ev.modRevision) : undefined,
        raw: ev.value,
        prevRaw: ev.prevValue,
      };
    } catch (err) {
      this.opts.log?.error({ key: ev.key, err: (err as Error).message }, 'undecodable object in storage; event skipped');
      return undefined;
    }
  }

  private dispatch(ev: StoreEvent): void {
    const he = this.toHubEvent(ev);
    if (!he) return;
    this.history.push(he);
    if (this.history.length > 2 * this.opts.historySize) {
      const drop = this.history.length - this.opts.historySize;
      this.floor = this.history[drop - 1]!.rev;
      this.history = this.history.slice(drop);
    }
    for (const sub of this.subs) {
      if (he.rev < sub.from) continue;
      if (sub.queue.size >= this.opts.bufferSize) {
        sub.queue.fail(slowWatcher(sub, he.rev));
        this.subs.delete(sub);
        continue;
      }
      sub.queue.push(he);
    }
  }

  private unsubscribe(sub: Sub): void {
    sub.queue.close();
    if (!this.subs.delete(sub)) return;
    if (this.subs.size === 0 && this.running && !this.linger) {
      this.linger = setTimeout(() => {
        this.linger = undefined;
        if (this.subs.size === 0) this.halt();
      }, this.opts.lingerMs);
      this.linger.unref();
    }
  }

  private async direct(from: number, queue: AsyncQueue<HubItem>, signal: AbortSignal): Promise<void> {
    const sub: Sub = { from, queue };
    try {
      for await (const ev of this.store.watch(this.prefix, from, signal)) {
        const he = this.toHubEvent(ev);
        if (!he) continue;
        if (queue.size >= this.opts.bufferSize) return queue.fail(slowWatcher(sub, he.rev));
        queue.push(he);
      }
      if (!signal.aborted) queue.fail(new ApiError('ServiceUnavailable', `storage watch of ${this.prefix} ended`));
    } catch (err) {
      queue.fail(err);
    }
  }
}

/** One hub per storage prefix, created on first use. */
export class HubSet {
  private readonly hubs = new Map<string, WatchHub>();
  constructor(
    private readonly store: Store,
    private readonly decode: Decode,
    private readonly opts: HubOptions,
  ) {}

  get(prefix: string): WatchHub {
    let hub = this.hubs.get(prefix);
    if (!hub) {
      hub = new WatchHub(this.store, prefix, this.decode, this.opts);
      this.hubs.set(prefix, hub);
    }
    return hub;
  }

  stopAll(): void {
    for (const hub of this.hubs.values()) hub.stop();
  }
}
