/**
 * An informer's cache for unit tests: FakeCache follows an InProcessApi synchronously (an
 * informer with zero lag), and can be held to simulate a lagging watch.
 */
import type { KubeObject } from '@kubelab/api';
import { objectKey, type Cache, type Handlers } from '@kubelab/client';
import type { InProcessApi } from './inprocess.js';

export class FakeCache<T extends KubeObject> implements Cache<T> {
  private readonly items = new Map<string, T>();
  private readonly handlers: Handlers<T>[] = [];
  private held: { type: string; obj: T }[] | undefined;
  private synced: boolean;
  private syncWaiters: (() => void)[] = [];

  constructor(
    api: InProcessApi,
    readonly resource: string,
    namespace?: string,
    opts: { synced?: boolean } = {},
  ) {
    this.synced = opts.synced ?? true;
    for (const o of api.objects<T>(resource, namespace)) this.items.set(objectKey(o), o);
    api.subscribe((r, type, obj) => {
      if (r !== resource || (namespace !== undefined && obj.metadata.namespace !== namespace)) return;
      if (this.held) this.held.push({ type, obj: obj as T });
      else this.apply(type, obj as T);
    });
  }

  private apply(type: string, obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (type === 'DELETED') {
      if (!old) return;
      this.items.delete(key);
      for (const h of this.handlers) h.delete?.(old);
      return;
    }
    this.items.set(key, obj);
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }

  /** Stops applying events (they queue up), as if the watch lagged. */
  hold(): void {
    this.held ??= [];
  }

  /** Applies the events held back since hold(). */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const e of held) this.apply(e.type, e.obj);
  }

  /** Puts an object into the cache only (not into the API). */
  inject(obj: T): void {
    this.apply(this.items.has(objectKey(obj)) ? 'MODIFIED' : 'ADDED', obj);
  }

  /** Removes an object from the cache only. */
  evict(key: string): void {
    const o = this.items.get(key);
    if (o) this.apply('DELETED', o);
  }

  markSynced(): void {
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  addHandlers(h: Handlers<T>): void {
    this.handlers.push(h);
    // An informer delivers the objects it already has to a late handler as adds.
    for (const o of this.items.values()) h.add?.(o);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }
}
