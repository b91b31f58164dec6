/** Waiting for a store to answer, with back-off and progress logs (etcd may start after us). */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import { Backoff, sleep } from '@kubelab/client';
import type { Store } from './store.js';

/** Runs fn until it succeeds, retrying while the store is unavailable; undefined when aborted. */
export async function withStoreRetry<T>(
  what: string,
  fn: () => Promise<T>,
  log: Logger,
  signal: AbortSignal,
): Promise<T | undefined> {
  const backoff = new Backoff(500, 5_000);
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = ApiError.from(err);
      if (!e.retryable) throw err;
      const wait = backoff.next();
      log.warn({ what, attempt, retryInMs: wait, err: e.message }, `${what}: etcd not ready; retrying`);
      await sleep(wait, signal);
    }
  }
  return undefined;
}

export async function waitForStore(store: Store, log: Logger, signal: AbortSignal): Promise<number | undefined> {
  return withStoreRetry('connect to etcd', () => store.currentRevision(), log, signal);
}
