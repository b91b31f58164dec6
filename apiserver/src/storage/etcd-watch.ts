/**
 * Watches on etcd that cannot stop silently. The `etcd3` client multiplexes every watcher on one
 * stream and attaches them one at a time; when etcd answers a re-created watcher "created and
 * cancelled" (its start revision was compacted while the stream was down), the client drops that
 * watcher without advancing its attach queue, and every watcher behind it waits forever
 * (`Failed to find watcher for IWatchResponse` in the log). So each watch here:
 *  - runs attempts from its last received revision + 1; an attempt ends when its watcher errors or
 *    is cancelled, and the next one starts once etcd answers — or the watch ends with Expired
 *    (410) when that revision is compacted, so its clients relist;
 *  - has a watchdog: a watcher that does not attach within attachTimeoutMs while etcd answers
 *    unary calls and no other watcher of the client attached meanwhile (the attach queue does not
 *    move), or a connected one that misses keys modified under its prefix for stallCheckMs while
 *    the stream delivered past them to other watchers (or delivered nothing at all), is stuck: the
 *    watch client is replaced (a new Etcd3 instance, so a new stream and a new attach queue) and
 *    every watch resumes on it from its own revision.
 * A busy stream is not a stuck one: under a burst the stream runs behind (events queue in revision
 * order, attach answers behind them), and replacing the client then only adds work (every watcher
 * re-attaches, while lists fall through to etcd). So each replacement within RESET_MEMORY_MS of
 * another doubles the windows, up to ×MAX_BACKOFF.
 * `health()` reports a watch that is stuck right now (/readyz's etcd-watch check).
 */
import { EventEmitter } from 'node:events';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { Logger } from 'pino';
import { sleep } from '@kubelab/client';
import { ApiError } from '@kubelab/proto';
import { AsyncQueue } from '../util/queue.js';
import type { StoreEvent } from './store.js';

export interface WatchTimings {
  /** How long a watcher may take to attach while etcd answers. */
  attachTimeoutMs: number;
  /** How long keys modified under a connected watcher's prefix may go undelivered. */
  stallCheckMs: number;
  /** Pause before the next attempt after a watcher ended. */
  retryMs: number;
}

export const DEFAULT_WATCH_TIMINGS: WatchTimings = { attachTimeoutMs: 5_000, stallCheckMs: 5_000, retryMs: 500 };
/** Replacements remembered for the backoff, and its cap. */
export const RESET_MEMORY_MS = 120_000;
export const MAX_BACKOFF = 8;

export interface WatchBackend {
  /** The client watches are made on (replaced by reset()). */
  watchClient(): Etcd3;
  /** Resolves when etcd answers a unary call; rejects otherwise. */
  ping(): Promise<void>;
  /** Keys under prefix modified after `revision` (count), and etcd's revision when it answered. */
  modifiedSince(prefix: string, revision: number): Promise<{ count: number; revision: number }>;
  /** Throws ApiError('Expired') when `revision` can no longer be read; other errors when etcd does not answer. */
  assertNotCompacted(prefix: string, revision: number): Promise<void>;
  /** Replaces the watch client (closing the old one). */
  resetWatchClient(reason: string): void;
}

type Outcome = 'ended' | 'reset';

export class EtcdWatches {
  private readonly resets = new EventEmitter();
  private readonly stuck = new Map<object, string>();
  private generation = 0;
  /** Progress of the current client's stream: the last attach, the last delivery, the highest revision delivered. */
  private progress = { attachedAt: Date.now(), deliveredAt: Date.now(), frontier: 0 };
  private readonly resetTimes: number[] = [];

  constructor(
    private readonly backend: WatchBackend,
    private readonly log: Logger | undefined,
    private readonly timings: WatchTimings = DEFAULT_WATCH_TIMINGS,
  ) {
    this.resets.setMaxListeners(0);
  }

  /** Called by the backend after it replaced the watch client. */
  clientReplaced(): void {
    this.generation++;
    const now = Date.now();
    this.progress = { attachedAt: now, deliveredAt: now, frontier: 0 };
    this.resetTimes.push(now);
    this.resets.emit('reset');
  }

  /** The windows' multiplier: 2 to the replacements of the last RESET_MEMORY_MS, at most MAX_BACKOFF. */
  backoff(now = Date.now()): number {
    while (this.resetTimes.length > 0 && now - (this.resetTimes[0] as number) > RESET_MEMORY_MS)
      this.resetTimes.shift();
    return Math.min(MAX_BACKOFF, 2 ** this.resetTimes.length);
  }

  /** A reason when some watch is stuck and not yet recovered. */
  health(): string | undefined {
    return this.stuck.values().next().value;
  }

  async *watch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncGenerator<StoreEvent> {
    await this.backend.assertNotCompacted(prefix, fromRevision);
    const state = { next: fromRevision };
    try {
      yield* this.attempts(prefix, state, signal);
    } finally {
      this.stuck.delete(state);
    }
  }

  private async *attempts(prefix: string, state: { next: number }, signal: AbortSignal): AsyncGenerator<StoreEvent> {
    while (!signal.aborted) {
      const queue = new AsyncQueue<StoreEvent>();
      const stop = this.attempt(prefix, state, queue);
      const onAbort = (): void => queue.close();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const ev of queue) yield ev;
      } finally {
        signal.removeEventListener('abort', onAbort);
        stop();
      }
      if (signal.aborted) return;
      await this.untilReadable(prefix, state.next, signal);
    }
  }

  /** Waits until etcd can serve `revision` again; Expired (compacted) ends the watch. */
  private async untilReadable(prefix: string, revision: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      await sleep(this.timings.retryMs, signal);
      if (signal.aborted) return;
      try {
        await this.backend.assertNotCompacted(prefix, revision);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'Expired') {
          this.log?.warn(
            { prefix, revision, err: err.message },
            'etcd watch: its history is compacted; its watchers get 410 Expired and relist',
          );
          throw err;
        }
      }
    }
  }

  /** Records a stuck watch and replaces the client it was made on; false when that client is already gone. */
  private markStuck(token: object, generation: number, reason: string): boolean {
    this.stuck.set(token, reason);
    if (generation !== this.generation) return false;
    this.backend.resetWatchClient(reason);
    return true;
  }

  /** One watcher from state.next; returns its stopper. Ends `queue` (close) when the attempt is over. */
  private attempt(prefix: string, state: { next: number }, queue: AsyncQueue<StoreEvent>): () => void {
    const token = state;
    const generation = this.generation;
    let watcher: Watcher;
    try {
      watcher = this.backend
        .watchClient()
        .watch()
        .prefix(prefix)
        .withPreviousKV()
        .startRevision(String(state.next))
        .watcher();
    } catch (err) {
      // A closed or broken client: a new one for everybody, then the next attempt.
      this.markStuck(token, generation, `${prefix}: the watch client failed: ${(err as Error).message}`);
      queue.close();
      return () => undefined;
    }
    let connectingSince: number | undefined = Date.now();
    let received = state.next - 1;
    let suspect: { rev: number; at: number; head: number } | undefined;
    let checking = false;
    let askedAt = 0;

    const end = (why: Outcome | string): void => {
      if (queue.isClosed) return;
      if (why !== 'ended' && why !== 'reset')
        this.log?.warn({ prefix, next: state.next, why }, 'etcd watch: re-creating the watcher');
      queue.close();
    };
    const onEvent = (type: 'put' | 'delete') => (kv: IKeyValue, prev?: IKeyValue) => {
      const ev = toEvent(type, kv, prev);
      received = Math.max(received, ev.modRevision);
      if (generation === this.generation) {
        this.progress.deliveredAt = Date.now();
        this.progress.frontier = Math.max(this.progress.frontier, ev.modRevision);
      }
      state.next = received + 1;
      this.stuck.delete(token);
      queue.push(ev);
    };
    watcher.on('put', onEvent('put'));
    watcher.on('delete', onEvent('delete'));
    watcher.on('connecting', () => (connectingSince ??= Date.now()));
    watcher.on('connected', () => {
      connectingSince = undefined;
      if (generation === this.generation) this.progress.attachedAt = Date.now();
      this.stuck.delete(token);
    });
    watcher.on('disconnected', (err) => {
      connectingSince ??= Date.now();
      this.log?.warn({ prefix, err: err.message }, 'etcd watch disconnected; resuming when etcd is back');
    });
    // etcd cancels a watcher whose start revision was compacted away; the next attempt finds out.
    watcher.on('error', (err) => end(`watcher failed: ${err.message}`));
    watcher.on('end', () => end('ended'));
    const onReset = (): void => end('reset');
    this.resets.once('reset', onReset);

    const stuck = (reason: string): void => {
      if (!this.markStuck(token, generation, `${prefix}: ${reason}`)) end('reset');
    };
    const check = async (): Promise<void> => {
      if (checking || queue.isClosed) return;
      checking = true;
      try {
        const scale = this.backoff();
        const attachWindow = this.timings.attachTimeoutMs * scale;
        const stallWindow = this.timings.stallCheckMs * scale;
        if (connectingSince !== undefined) {
          const now = Date.now();
          if (now - connectingSince < attachWindow || now - this.progress.attachedAt < attachWindow) return;
          await this.backend.ping();
          if (connectingSince !== undefined && !queue.isClosed && Date.now() - this.progress.attachedAt >= attachWindow)
            stuck(
              `not attached after ${Date.now() - connectingSince} ms while etcd answers (no watcher attached for ${Date.now() - this.progress.attachedAt} ms)`,
            );
          return;
        }
        // Half the stall window between reads: a watch costs etcd one count every ~2.5 s.
        if (Date.now() - askedAt < stallWindow / 2) return;
        askedAt = Date.now();
        const seen = received;
        const missed = await this.backend.modifiedSince(prefix, seen);
        if (missed.count === 0 || received !== seen) suspect = undefined;
        else if (suspect?.rev !== seen) suspect = { rev: seen, at: Date.now(), head: missed.revision };
        else if (Date.now() - suspect.at >= stallWindow) {
          // Stuck only if the stream went past those keys for others, or delivered nothing at all;
          // a stream still short of them is behind (a burst), not stuck.
          const { frontier, deliveredAt } = this.progress;
          const silentFor = Date.now() - deliveredAt;
          if (frontier >= suspect.head || silentFor >= stallWindow)
            stuck(
              `${missed.count} key(s) modified after revision ${seen} not delivered for ${Date.now() - suspect.at} ms (stream at revision ${frontier}, last delivery ${silentFor} ms ago)`,
            );
        }
      } catch {
        // etcd does not answer: nothing to judge the watcher by until it does, and the attach queue
        // gets its whole window again from then on.
        if (connectingSince !== undefined && generation === this.generation) this.progress.attachedAt = Date.now();
      } finally {
        checking = false;
      }
    };
    const timer = setInterval(
      () => void check(),
      Math.max(100, Math.min(this.timings.attachTimeoutMs, this.timings.stallCheckMs) / 3),
    );
    timer.unref();
    return () => {
      clearInterval(timer);
      this.resets.off('reset', onReset);
      watcher.removeAllListeners();
      watcher.on('error', () => undefined);
      watcher.cancel().catch(() => undefined);
    };
  }
}

/**
 * The etcd3 watch manager throws out of its stream handler when an answer names a watcher it
 * already dropped (`Failed to find watcher for IWatchResponse`, e.g. the cancel that follows a
 * "created and cancelled" answer): an unhandled rejection. Here it is logged and ignored; the
 * watchdog above deals with what it leaves behind. `silence()` makes the manager of a replaced
 * client ignore everything still in flight.
 */
export function guardWatchManager(client: Etcd3, log: Logger | undefined): { silence(): void } {
  const manager = (client as unknown as { watchManager?: Record<string, unknown> }).watchManager;
  let silenced = false;
  for (const name of ['handleResponse', 'handleCreatedResponse']) {
    const original = manager?.[name];
    if (!manager || typeof original !== 'function') continue;
    manager[name] = function guarded(this: unknown, res: unknown): void {
      if (silenced) return;
      try {
        (original as (r: unknown) => void).call(this, res);
      } catch (err) {
        log?.warn({ err: (err as Error).message }, 'etcd watch: the etcd3 client could not place an answer (ignored)');
      }
    };
  }
  return {
    silence: () => {
      silenced = true;
    },
  };
}

export function toEvent(type: 'put' | 'delete', kv: IKeyValue, prev: IKeyValue | undefined): StoreEvent {
  return {
    type,
    key: kv.key.toString('utf8'),
    value: type === 'put' ? kv.value : Buffer.alloc(0),
    prevValue: prev?.value,
    modRevision: Number(kv.mod_revision),
    createRevision: Number(type === 'put' ? kv.create_revision : (prev?.create_revision ?? 0)),
  };
}
