/**
 * Pods the scheduler has placed but the informer has not yet shown bound ("assumed" in
 * upstream's cache). They count on their node in every snapshot, so a burst of pods spreads
 * instead of all landing on the node that looked emptiest before the first bind arrived.
 */
import type { Clock, Pod } from '@kubelab/api';

interface Entry {
  pod: Pod;
  at: number;
}

export class AssumedPods {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    /** Safety net: an assumption nobody confirmed or forgot is dropped after this long. */
    private readonly ttlMs = 60_000,
  ) {}

  assume(key: string, pod: Pod, nodeName: string): void {
    const bound: Pod = { ...pod, spec: { ...pod.spec, nodeName } };
    this.entries.set(key, { pod: bound, at: this.clock.now() });
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** The informer shows the pod bound (or gone): no longer an assumption. */
  observed(key: string, pod: Pod | undefined): void {
    if (!pod || pod.spec.nodeName) this.entries.delete(key);
  }

  /** Assumed pods the given cache contents do not show bound yet. */
  pending(isBoundInCache: (key: string) => boolean): Pod[] {
    const now = this.clock.now();
    const out: Pod[] = [];
    for (const [key, e] of [...this.entries]) {
      if (now - e.at > this.ttlMs) {
        this.entries.delete(key);
        continue;
      }
      if (!isBoundInCache(key)) out.push(e.pod);
    }
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}
