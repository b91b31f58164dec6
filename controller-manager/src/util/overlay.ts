/**
 * Read-your-writes over an informer cache: the objects a controller has just written (or
 * deleted) win over older cached copies until the cache catches up. Without it a sync that runs
 * before the watch delivers our own write would compute from stale replica counts (and, e.g.,
 * scale old ReplicaSets down further than maxUnavailable allows). Resource versions are etcd
 * revisions, so "newer" is a numeric comparison.
 */
import type { Clock, KubeObject } from '@kubelab/api';
import { objectKey } from '@kubelab/client';

interface Entry<T> {
  obj: T | undefined; // undefined: deleted by us
  rv: number;
  at: number;
}

const rvOf = (o: KubeObject | undefined): number => {
  const n = Number(o?.metadata.resourceVersion);
  return Number.isFinite(n) ? n : -1;
};

export class WriteOverlay<T extends KubeObject> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
  ) {}

  /** Remember an object as returned by create/update. */
  wrote(obj: T): void {
    this.entries.set(objectKey(obj), { obj, rv: rvOf(obj), at: this.clock.now() });
  }

  /** Remember that we deleted the object stored under `key`. */
  deleted(key: string): void {
    this.entries.set(key, { obj: undefined, rv: Infinity, at: this.clock.now() });
  }

  /** Newest known version of the cached objects (plus ones we created that the cache lacks). */
  view(cached: T[], keep: (o: T) => boolean = () => true): T[] {
    const now = this.clock.now();
    const out = new Map<string, T>();
    for (const o of cached) out.set(objectKey(o), o);
    for (const [key, e] of [...this.entries]) {
      const c = out.get(key);
      const caughtUp = e.obj === undefined ? !c : !!c && (rvOf(c) >= e.rv || c.metadata.uid !== e.obj.metadata.uid);
      if (caughtUp || now - e.at > this.ttlMs) {
        this.entries.delete(key);
        continue;
      }
      if (e.obj === undefined) out.delete(key);
      else if (keep(e.obj)) out.set(key, e.obj);
    }
    return [...out.values()].filter(keep);
  }

  get size(): number {
    return this.entries.size;
  }
}
