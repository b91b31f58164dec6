/** A hub subscriber whose start is older than the hub's history: a storage watch of its own. */
import { ApiError } from '@kubelab/proto';
import type { Store, StoreEvent } from '../storage/store.js';
import type { AsyncQueue } from '../util/queue.js';
import type { HubEvent, HubItem } from './hub.js';

/** The 410 for a watcher that fell `bufferSize` events behind: it relists. */
export function slowWatcher(from: number, rev: number): ApiError {
  return new ApiError('Expired', `too old resource version: ${from - 1} (${rev})`);
}

export async function watchDirect(
  store: Store,
  prefix: string,
  from: number,
  queue: AsyncQueue<HubItem>,
  signal: AbortSignal,
  toHubEvent: (ev: StoreEvent) => HubEvent | undefined,
  bufferSize: number,
): Promise<void> {
  try {
    for await (const ev of store.watch(prefix, from, signal)) {
      const he = toHubEvent(ev);
      if (!he) continue;
      if (queue.size >= bufferSize) return queue.fail(slowWatcher(from, he.rev));
      queue.push(he);
    }
    if (!signal.aborted) queue.fail(new ApiError('ServiceUnavailable', `storage watch of ${prefix} ended`));
  } catch (err) {
    queue.fail(err);
  }
}
