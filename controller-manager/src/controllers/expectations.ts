/**
 * Upstream's ControllerExpectations: before a controller fires N creates (or deletes of named
 * pods) for an owner, it records them; it does not act on that owner again until the informer
 * has observed them all, or the record has expired. This keeps a burst of creates from being
 * repeated while the cache still shows the old pod count.
 */
import type { Clock } from '@kubelab/api';

/** Upstream's ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Record {
  adds: number;
  dels: Set<string>;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when the owner may be synced: nothing expected, everything observed, or expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.dels.size === 0) return true;
    return this.clock.now() - r.at > this.ttlMs;
  }

  expectCreations(key: string, n: number): void {
    this.records.set(key, { adds: n, dels: new Set(), at: this.clock.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.records.set(key, { adds: 0, dels: new Set(podKeys), at: this.clock.now() });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.adds--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.dels.delete(podKey);
  }

  delete(key: string): void {
    this.records.delete(key);
  }

  /** Outstanding {adds, dels} of an owner (tests, logs). */
  pending(key: string): { adds: number; dels: number } | undefined {
    const r = this.records.get(key);
    return r ? { adds: r.adds, dels: r.dels.size } : undefined;
  }
}
