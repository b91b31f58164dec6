/**
 * Reads of the kubelet's pods' ConfigMaps, Secrets and Services served from watches, as
 * upstream's watch-based object manager does: the first read of a (resource, namespace, field
 * selector) lists it and starts a watch from that list's revision; later reads answer from what
 * the watch delivered, without a call. A pod syncs every few seconds and reads its objects each
 * time, so this takes those reads off the apiserver (hollow-scale: 4.6 calls per pod).
 *
 * A watch that breaks relists (with back-off) while the last state keeps answering, so pods are
 * served while the apiserver is away. A watch nobody read for `idleMs` is stopped. When the
 * first list fails the read fails (the caller falls back to what it read last).
 */
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';
import { Backoff, sleep } from '@kubelab/client';
import { ApiError } from '@kubelab/proto';
import { errMessage } from '../api.js';

/** What WatchedReads needs of the API client (ApiClient satisfies it structurally). */
export interface WatchApi {
  list<T extends KubeObject>(
    resource: string,
    opts: { namespace?: string; fieldSelector?: string },
  ): Promise<{ items: T[]; resourceVersion: string }>;
  watch<T extends KubeObject>(
    resource: string,
    opts: { namespace?: string; fieldSelector?: string; resourceVersion?: string; allowBookmarks?: boolean },
    signal: AbortSignal,
  ): AsyncIterable<{ type: string; object: T }>;
}

export interface WatchedReadsOptions {
  log: Logger;
  /** A watch not read for this long is stopped (default 5 min). */
  idleMs?: number;
  now?: () => number;
}

interface Entry {
  readonly resource: string;
  readonly namespace: string;
  readonly fieldSelector: string;
  readonly objects: Map<string, KubeObject>;
  readonly ac: AbortController;
  lastRead: number;
  /** The first list, until it has answered. */
  first?: Promise<string>;
  synced: boolean;
}

export class WatchedReads {
  private readonly entries = new Map<string, Entry>();
  private readonly idleMs: number;
  private readonly now: () => number;
  private lastSweep = 0;
  private closed = false;

  constructor(
    private readonly api: WatchApi,
    private readonly o: WatchedReadsOptions,
  ) {
    this.idleMs = o.idleMs ?? 5 * 60_000;
    this.now = o.now ?? Date.now;
    this.lastSweep = this.now();
  }

  /** The objects of the resource in the namespace that match the field selector ('' for all). */
  async read(resource: string, namespace: string, fieldSelector = ''): Promise<KubeObject[]> {
    if (this.closed) throw new ApiError('ServiceUnavailable', 'the kubelet is stopping');
    const now = this.now();
    this.sweep(now);
    const key = `${resource}/${namespace}/${fieldSelector}`;
    let e = this.entries.get(key);
    if (!e) {
      e = {
        resource,
        namespace,
        fieldSelector,
        objects: new Map(),
        ac: new AbortController(),
        lastRead: now,
        synced: false,
      };
      this.entries.set(key, e);
    }
    e.lastRead = now;
    if (!e.synced) {
      const entry = e;
      if (!entry.first) {
        entry.first = this.list(entry);
        entry.first.then(
          (rv) => {
            entry.synced = true;
            entry.first = undefined;
            void this.follow(entry, rv);
          },
          () => {
            // Not cached: the next read lists again.
            if (this.entries.get(key) === entry) this.entries.delete(key);
          },
        );
      }
      await entry.first;
    }
    return [...e.objects.values()];
  }

  /** How many watches run (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Stops every watch. */
  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) e.ac.abort();
    this.entries.clear();
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.idleMs / 4) return;
    this.lastSweep = now;
    for (const [key, e] of this.entries) {
      if (e.synced && now - e.lastRead > this.idleMs) {
        e.ac.abort();
        this.entries.delete(key);
      }
    }
  }

  /** Lists into the entry's objects (replacing them); answers the list's revision. */
  private async list(e: Entry): Promise<string> {
    const res = await this.api.list<KubeObject>(e.resource, {
      namespace: e.namespace,
      ...(e.fieldSelector ? { fieldSelector: e.fieldSelector } : {}),
    });
    e.objects.clear();
    for (const o of res.items) e.objects.set(o.metadata.name ?? '', o);
    return res.resourceVersion;
  }

  /** Watches from the revision until the entry is stopped; relists when the watch ends or fails. */
  private async follow(e: Entry, from: string): Promise<void> {
    const signal = e.ac.signal;
    const backoff = new Backoff(500, 10_000);
    let rv = from;
    while (!signal.aborted) {
      try {
        if (!rv) rv = await this.list(e);
        for await (const ev of this.api.watch<KubeObject>(
          e.resource,
          {
            namespace: e.namespace,
            ...(e.fieldSelector ? { fieldSelector: e.fieldSelector } : {}),
            resourceVersion: rv,
            allowBookmarks: true,
          },
          signal,
        )) {
          backoff.reset();
          if (ev.object.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
          if (ev.type === 'BOOKMARK') continue;
          const name = ev.object.metadata?.name ?? '';
          if (ev.type === 'DELETED') e.objects.delete(name);
          else e.objects.set(name, ev.object);
        }
        rv = ''; // the stream ended: relist (never resume past a gap we cannot see)
        await sleep(backoff.next(), signal);
      } catch (err) {
        if (signal.aborted) return;
        const reason = err instanceof ApiError ? err.reason : undefined;
        rv = '';
        const wait = reason === 'Expired' ? 0 : backoff.next();
        this.o.log.debug(
          {
            resource: e.resource,
            namespace: e.namespace,
            fieldSelector: e.fieldSelector,
            err: errMessage(err),
            retryInMs: wait,
          },
          'watched reads: relisting',
        );
        await sleep(wait, signal);
      }
    }
  }
}
