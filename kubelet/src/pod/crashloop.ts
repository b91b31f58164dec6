/**
 * Back-off restarting a failed container (CrashLoopBackOff): the first restart is immediate, then
 * each waits twice as long as the one before, up to a maximum (backoff.ts), counted from the
 * moment the container finished; one that ran long enough starts afresh.
 */
import type { Container } from '@kubelab/api';
import { goDuration } from '../backoff.js';
import type { RuntimeContainer } from '../runtime/runtime.js';
import type { SyncContext } from './context.js';

/** A container that ran this long before exiting starts its back-off afresh. */
export const BACKOFF_RESET_RUN_MS = 10 * 60_000;

/**
 * Whether the exited instance `cur` may be restarted now. If so, the restart is counted in the
 * back-off; if not, the container waits in CrashLoopBackOff and the sync comes again when the
 * back-off ends.
 */
export function restartAllowed(ctx: SyncContext, spec: Container, cur: RuntimeContainer): boolean {
  const { backoff } = ctx.deps;
  const key = ctx.key(spec.name);
  const finished = Date.parse(cur.finishedAt ?? cur.createdAt);
  const started = cur.startedAt ? Date.parse(cur.startedAt) : Number.NaN;
  if (finished - started >= BACKOFF_RESET_RUN_MS) backoff.reset(key);
  const wait = backoff.remaining(key, finished);
  if (wait <= 0) {
    backoff.next(key, finished);
    return true;
  }
  const m = ctx.pod.metadata;
  const who = `${m.name ?? ''}_${m.namespace ?? 'default'}(${m.uid ?? ''})`;
  ctx.eventOnce(
    key,
    `crash:${cur.id}`,
    'Warning',
    'BackOff',
    `Back-off restarting failed container ${spec.name} in pod ${who}`,
  );
  ctx.waiting(
    spec.name,
    'CrashLoopBackOff',
    `back-off ${goDuration(backoff.delay(key))} restarting failed container=${spec.name} pod=${who}`,
  );
  ctx.requeue(wait);
  return false;
}
