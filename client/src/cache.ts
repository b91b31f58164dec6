/**
 * The read side of an informer and the queue its handlers feed, declared once for every
 * component (client-go's Lister / SharedIndexInformer / workqueue.Interface), and
 * `waitForCacheSync`, as client-go's `cache.WaitForCacheSync`. Informer and WorkQueue satisfy
 * these structurally; unit tests hand in fakes of them.
 */
import type { KubeObject } from '@kubelab/api';
import type { Handlers } from './informer.js';

/** Reads from a cache keyed `namespace/name` (or `name` for cluster-scoped objects). */
export interface Lister<T> {
  get(key: string): T | undefined;
  list(): T[];
}

/** What a controller reads from an informer. */
export interface Cache<T extends KubeObject> extends Lister<T> {
  addHandlers(h: Handlers<T>): void;
  hasSynced(): boolean;
  waitForSync(): Promise<void>;
}

/** What handlers feed: keys, now or after a delay. */
export interface KeyQueue {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
}

export interface SyncWaitOptions {
  /** Give up after this long (then false, the caches still filling). Default: no limit. */
  timeoutMs?: number;
}

/**
 * Resolves true once every cache has synced; false when the signal aborts or the timeout passes
 * first. Leaves no listener or timer behind.
 */
export async function waitForCacheSync(
  caches: readonly Pick<Cache<KubeObject>, 'waitForSync' | 'hasSynced'>[],
  signal: AbortSignal,
  opts: SyncWaitOptions = {},
): Promise<boolean> {
  if (caches.every((c) => c.hasSynced())) return !signal.aborted;
  if (signal.aborted) return false;
  let onAbort: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = new Promise<false>((resolve) => {
    onAbort = (): void => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs !== undefined) timer = setTimeout(() => resolve(false), opts.timeoutMs);
  });
  try {
    return await Promise.race([Promise.all(caches.map((c) => c.waitForSync())).then(() => !signal.aborted), stop]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    if (timer) clearTimeout(timer);
  }
}
