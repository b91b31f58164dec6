/**
 * The last container list of each pod, reused while nothing can have changed it (a small PLEG).
 * A pod worker lists its pod's containers before and after every sync, and a new pod is synced
 * several times in its first second (its own start events, its own status writes): without this
 * cache each of those was a Docker list call, competing with the creates and starts of a burst.
 *
 * An entry is dropped when this kubelet changes one of the pod's containers (create, start, stop,
 * remove), when Docker reports an event about it, and after `ttlMs` in any case (changes made by
 * others that Docker has no event for we subscribe to). It is only trusted while the Docker event
 * stream is connected: without events a change by someone else would go unseen.
 */
import type { RuntimeContainer } from './runtime.js';

export interface PodListCacheOptions {
  ttlMs?: number;
  now?: () => number;
}

interface Entry {
  at: number;
  items: RuntimeContainer[];
}

export class PodListCache {
  private live = false;
  private readonly entries = new Map<string, Entry>();
  /** Bumped on every change of a pod; a list begun before a change is not stored. */
  private readonly generations = new Map<string, number>();
  /** Which pod a container id belongs to, for changes known only by id. */
  private readonly owners = new Map<string, string>();
  /** Generations come from one counter; `floor` is the generation of pods not seen since the last reset. */
  private counter = 0;
  private floor = 0;
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(o: PodListCacheOptions = {}) {
    this.ttl = o.ttlMs ?? 5_000;
    this.now = o.now ?? Date.now;
  }

  /** The event stream is connected (true) or broken (false: everything is forgotten). */
  setLive(live: boolean): void {
    this.live = live;
    this.reset();
  }

  generation(uid: string): number {
    return this.generations.get(uid) ?? this.floor;
  }

  get(uid: string): RuntimeContainer[] | undefined {
    if (!this.live) return undefined;
    const e = this.entries.get(uid);
    if (!e) return undefined;
    if (this.now() - e.at >= this.ttl) {
      this.entries.delete(uid);
      return undefined;
    }
    return [...e.items];
  }

  /** Stores a list taken when the pod was at generation `gen` (ignored if it changed since). */
  put(uid: string, gen: number, items: RuntimeContainer[]): void {
    if (this.owners.size >= 20_000) this.reset();
    for (const c of items) this.owners.set(c.id, uid);
    if (!this.live || this.generation(uid) !== gen) return;
    this.entries.set(uid, { at: this.now(), items: [...items] });
  }

  /** Records which pod a new container belongs to. */
  own(id: string, uid: string): void {
    if (this.owners.size >= 20_000) this.reset();
    this.owners.set(id, uid);
  }

  podChanged(uid: string): void {
    if (this.generations.size >= 5000) this.reset();
    this.generations.set(uid, ++this.counter);
    this.entries.delete(uid);
  }

  /** Forgets everything (bounds memory); lists begun before are not stored. */
  private reset(): void {
    this.entries.clear();
    this.generations.clear();
    this.owners.clear();
    this.floor = ++this.counter;
  }

  /** A container changed; when its pod is unknown every entry goes. */
  containerChanged(id: string, removed = false): void {
    const uid = this.owners.get(id);
    if (removed) this.owners.delete(id);
    if (uid !== undefined) return this.podChanged(uid);
    for (const k of this.entries.keys()) this.podChanged(k);
  }
}
