/**
 * "Not older than N" reads: upstream's watch cache waits up to 3 s for its revision to reach N,
 * then answers 504 Timeout (cause ResourceVersionTooLarge, retryAfterSeconds 1). Here the store's
 * current revision is polled the same way.
 */
import { sleep } from '@kubelab/client';
import type { Store } from '../storage/store.js';
import { tooLargeResourceVersion } from './readplan.js';

export interface FreshnessSettings {
  /** How long to wait for the store to reach the revision (upstream: 3 s). */
  waitMs: number;
  /** Pause between two looks at the current revision. */
  pollMs: number;
}

export const DEFAULT_FRESHNESS: FreshnessSettings = { waitMs: 3_000, pollMs: 50 };

/** Resolves once the store's revision is at least `revision`; 504 Too large resource version after waitMs. */
export async function waitForRevision(
  store: Store,
  revision: number,
  settings: FreshnessSettings = DEFAULT_FRESHNESS,
): Promise<void> {
  const deadline = Date.now() + settings.waitMs;
  for (;;) {
    const current = await store.currentRevision();
    if (current >= revision) return;
    const left = deadline - Date.now();
    if (left <= 0) throw tooLargeResourceVersion(revision, current, 1);
    await sleep(Math.min(settings.pollMs, left));
  }
}
