/**
 * The watch cache's copy of one resource: every object under the hub's prefix as of `rev`, built
 * from a list at a revision and kept current by applying the storage watch's events in order (as
 * upstream's watchCache store). Objects are shared and read-only; readers decode their own copy
 * from `raw` before handing one out.
 */
import type { KubeObject } from '@kubelab/api';
import type { KeyValue } from '../storage/store.js';
import { ownBytes } from '../util/own-bytes.js';

export interface CachedObject {
  key: string;
  obj: KubeObject;
  raw: Buffer;
  rev: number;
}

export interface CacheEvent {
  type: 'put' | 'delete';
  key: string;
  rev: number;
  obj: KubeObject | undefined;
  raw: Buffer;
}

export class CacheState {
  private readonly objects = new Map<string, CachedObject>();
  /** The revision the state is complete at (0: not filled). */
  rev = 0;

  get size(): number {
    return this.objects.size;
  }

  /** Replaces the state with a list read at `rev`; undecodable values are skipped. */
  fill(kvs: readonly KeyValue[], rev: number, decode: (raw: Buffer, rev: number) => KubeObject | undefined): void {
    this.objects.clear();
    for (const kv of kvs) {
      const obj = decode(kv.value, kv.modRevision);
      if (obj) this.objects.set(kv.key, { key: kv.key, obj, raw: ownBytes(kv.value), rev: kv.modRevision });
    }
    this.rev = rev;
  }

  apply(ev: CacheEvent): void {
    if (ev.type === 'delete') this.objects.delete(ev.key);
    else if (ev.obj) this.objects.set(ev.key, { key: ev.key, obj: ev.obj, raw: ev.raw, rev: ev.rev });
    this.rev = Math.max(this.rev, ev.rev);
  }

  get(key: string): CachedObject | undefined {
    return this.objects.get(key);
  }

  /** The objects under keyPrefix that match, in key order (etcd's order). */
  select(keyPrefix: string, match: (o: KubeObject) => boolean): CachedObject[] {
    return this.scan(keyPrefix, match).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The objects under keyPrefix that match, in no order. */
  scan(keyPrefix: string, match: (o: KubeObject) => boolean): CachedObject[] {
    const out: CachedObject[] = [];
    for (const c of this.objects.values()) if (c.key.startsWith(keyPrefix) && match(c.obj)) out.push(c);
    return out;
  }

  clear(): void {
    this.objects.clear();
    this.rev = 0;
  }
}
