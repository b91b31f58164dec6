/**
 * Fakes for the read side and the queue: FakeCache follows a FakeApi synchronously (like an
 * informer with zero lag) and can be held to simulate a lagging watch; ManualQueue records keys
 * so tests decide when reconciles run.
 */
import type { KubeObject } from '@kubelab/api';
import { objectKey, type Handlers } from '@kubelab/client';
import type { Cache, Controller, KeyQueue } from '../api.js';
import type { FakeApi } from './fakeapi.js';

export class FakeCache<T extends KubeObject> implements Cache<T> {
  private readonly items = new Map<string, T>();
  private readonly handlers: Handlers<T>[] = [];
  private held: { type: string; obj: T }[] | undefined;
  private synced: boolean;
  private syncWaiters: (() => void)[] = [];

  constructor(
    api: FakeApi,
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

  /** Puts an object into the cache only (not into the fake API). */
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

export class ManualQueue implements KeyQueue {
  private readonly keys = new Set<string>();
  readonly delayed: { key: string; ms: number }[] = [];

  add(key: string): void {
    this.keys.add(key);
  }

  addAfter(key: string, ms: number): void {
    if (ms <= 0) this.add(key);
    else this.delayed.push({ key, ms });
  }

  take(): string | undefined {
    const first = this.keys.values().next();
    if (first.done) return undefined;
    this.keys.delete(first.value);
    return first.value;
  }

  pending(): string[] {
    return [...this.keys];
  }

  get length(): number {
    return this.keys.size;
  }

  /** Moves the delayed keys into the queue (as if their time had come). */
  promoteDelayed(): void {
    for (const d of this.delayed.splice(0)) this.add(d.key);
  }

  clear(): void {
    this.keys.clear();
    this.delayed.length = 0;
  }
}

/**
 * Runs queued reconciles of the given controllers until every queue is empty. Errors are
 * collected (a real queue would retry them) and the key is not re-added. Returns the number of
 * reconciles run; throws when the system does not settle.
 */
export async function drain(controllers: { ctrl: Controller; queue: ManualQueue }[], opts: { max?: number; errors?: unknown[]; after?: () => void | Promise<void> } = {}): Promise<number> {
  const max = opts.max ?? 1000;
  let n = 0;
  for (;;) {
    let progressed = false;
    for (const { ctrl, queue } of controllers) {
      const key = queue.take();
      if (key === undefined) continue;
      progressed = true;
      if (++n > max) throw new Error(`drain: not settled after ${max} reconciles (pending: ${controllers.map((c) => `${c.ctrl.name}=${c.queue.pending().join(',')}`).join(' ')})`);
      try {
        const result = await ctrl.reconcile(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        if (!opts.errors) throw err;
        opts.errors.push(err);
      }
      await opts.after?.();
    }
    if (!progressed) return n;
  }
}
