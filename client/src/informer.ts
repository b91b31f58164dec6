/**
 * Informer: list, then watch from the list's revision into a cache keyed ns/name. On "expired"
 * or a broken stream it relists (never resumes past a gap) and reports the difference to the
 * cache as add/update/delete events. Handlers should only enqueue keys.
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
    while (!signal.aborted) {
      try {
        const rv = await this.relist();
        backoff.reset();
        await this.watchFrom(rv, signal);
      } catch (err) {
        if (signal.aborted) break;
        const e = ApiError.from(err);
        const wait = e.reason === 'Expired' ? 0 : backoff.next();
        this.log.warn(
          { resource: this.resource, reason: e.reason, err: e.message, retryInMs: wait },
          'informer: relisting',
        );
        await sleep(wait, signal);
      }
    }
  }

  private async relist(): Promise<string> {
    const res = await this.client.list<T>(this.resource, { ...this.opts });
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

  private async watchFrom(rv: string, signal: AbortSignal): Promise<void> {
    let last = rv;
    for await (const ev of this.client.watch<T>(
      this.resource,
      { ...this.opts, resourceVersion: last, allowBookmarks: true },
      signal,
    )) {
      if (ev.object.metadata?.resourceVersion) last = ev.object.metadata.resourceVersion;
      if (ev.type === 'BOOKMARK') continue;
      const key = objectKey(ev.object);
      this.apply(ev.type === 'DELETED' ? 'delete' : 'upsert', key, ev.object);
    }
    if (!signal.aborted) throw new ApiError('ServiceUnavailable', 'watch stream ended');
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
