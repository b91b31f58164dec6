/**
 * Informer: list, then watch from the list's revision into a cache keyed ns/name, with client-go's
 * reflector semantics (see run). A watch the server ends is reopened from the last revision it
 * delivered; one that breaks (or says 410) lists again from that revision and reports the
 * difference to the cache as add/update/delete events. Handlers should only enqueue keys.
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { ApiClient, objectKey, type ListOptions } from './apiclient.js';
import { Backoff, sleep } from './backoff.js';

export interface Handlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Handlers<T>[] = [];
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  /** The revision of the last event the current watch delivered. */
  private lastSeen: string | undefined;

  constructor(
    private readonly client: ApiClient,
    readonly resource: string,
    private readonly opts: ListOptions,
    private readonly log: Logger,
  ) {}

  addHandlers(h: Handlers<T>): void {
    this.handlers.push(h);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list has filled the cache. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(200, 5_000);
    // What the next list asks for: "0" (any state the watch cache holds) at first; after a broken
    // watch, the last revision seen (not older than it, from the cache too); "" (a consistent read,
    // from etcd) only when the cache could not serve that revision. As client-go's reflector: the
    // informers of 200 nodes relisting after an apiserver restart then read its cache, not etcd.
    let listFrom = '0';
    while (!signal.aborted) {
      let last: string;
      try {
        last = await this.relist(listFrom);
        backoff.reset();
      } catch (err) {
        if (signal.aborted) break;
        const e = ApiError.from(err);
        if (e.reason === 'Expired' || isTooLargeResourceVersion(e)) listFrom = '';
        await this.pause('relisting', e, retryAfter(e) ?? backoff.next(), signal);
        continue;
      }
      // Watch from the list's revision. A stream the server ended (its timeout) is reopened from
      // the last revision it delivered; a broken one (410 Expired, the apiserver gone) lists again
      // from that revision, which the cache serves, and then watches from its history.
      for (;;) {
        const opened = Date.now();
        try {
          last = await this.watchFrom(last, signal);
          if (signal.aborted) return;
          if (Date.now() - opened < 1_000) await sleep(backoff.next(), signal);
          else backoff.reset();
        } catch (err) {
          if (signal.aborted) return;
          const e = ApiError.from(err);
          last = this.lastSeen ?? last;
          if (e.reason !== 'Expired') await this.pause('watch broke, relisting', e, backoff.next(), signal);
          break;
        }
      }
      listFrom = last;
    }
  }

  private async pause(what: string, e: ApiError, wait: number, signal: AbortSignal): Promise<void> {
    this.log.warn({ resource: this.resource, reason: e.reason, err: e.message, retryInMs: wait }, `informer: ${what}`);
    await sleep(wait, signal);
  }

  private async relist(resourceVersion: string): Promise<string> {
    const res = await this.client.list<T>(this.resource, { ...this.opts, resourceVersion });
    const seen = new Set<string>();
    for (const obj of res.items) {
      const key = objectKey(obj);
      seen.add(key);
      this.apply('upsert', key, obj);
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) this.apply('delete', key, old);
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    return res.resourceVersion;
  }

  /** Applies events from rv until the stream ends (returns the last revision seen) or fails (throws). */
  private async watchFrom(rv: string, signal: AbortSignal): Promise<string> {
    this.lastSeen = rv;
    for await (const ev of this.client.watch<T>(
      this.resource,
      { ...this.opts, resourceVersion: rv, allowBookmarks: true },
      signal,
    )) {
      if (ev.object.metadata?.resourceVersion) this.lastSeen = ev.object.metadata.resourceVersion;
      if (ev.type === 'BOOKMARK') continue;
      const key = objectKey(ev.object);
      this.apply(ev.type === 'DELETED' ? 'delete' : 'upsert', key, ev.object);
    }
    return this.lastSeen;
  }

  private apply(op: 'upsert' | 'delete', key: string, obj: T): void {
    const old = this.cache.get(key);
    if (op === 'delete') {
      if (!old) return;
      this.cache.delete(key);
      for (const h of this.handlers) h.delete?.(old);
      return;
    }
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.cache.set(key, obj);
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }
}

/** 504 "Too large resource version": the cache did not reach the revision asked for in time. */
function isTooLargeResourceVersion(e: ApiError): boolean {
  return e.reason === 'Timeout' && !!e.details?.causes?.some((c) => c.reason === 'ResourceVersionTooLarge');
}

/** The server's Retry-After (429 while its cache initializes), in ms. */
function retryAfter(e: ApiError): number | undefined {
  const s = e.details?.retryAfterSeconds;
  return s && s > 0 ? s * 1_000 * (1 + Math.random() / 2) : undefined;
}
