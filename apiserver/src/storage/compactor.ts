/**
 * Keeps etcd's history bounded the way upstream's apiserver does: every interval, compact to
 * the revision that was current one interval earlier (so watchers get at least that much slack).
 */
import type { Logger } from 'pino';
import { sleep } from '@kubelab/client';
import type { Store } from './store.js';

export async function runCompactor(store: Store, intervalMs: number, log: Logger, signal: AbortSignal): Promise<void> {
  let previous: number | undefined;
  while (!signal.aborted) {
    await sleep(intervalMs, signal);
    if (signal.aborted) return;
    try {
      const now = await store.currentRevision();
      if (previous !== undefined && previous > 1) {
        await store.compact(previous);
        log.debug({ revision: previous }, 'compacted etcd history');
      }
      previous = now;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'etcd compaction failed; will retry');
    }
  }
}
