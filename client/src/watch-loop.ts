/**
 * A REST list+watch loop as client-go's reflector runs it, recording into a WatchHistory: list,
 * watch from the list's resourceVersion; a dropped stream (or an ERROR that is not a 410) is
 * reopened from the last resourceVersion seen; a 410 Expired relists. For tests and benchmarks
 * that must see exactly what a client sees (kubectl and informers speak this protocol).
 */
import { Backoff, sleep } from './backoff.js';
import type { ObservedType, WatchHistory } from './watch-history.js';

interface Meta {
  name?: string;
  namespace?: string;
  resourceVersion?: string;
}
interface WireObject {
  metadata?: Meta;
  code?: number;
  reason?: string;
  message?: string;
  items?: { metadata?: Meta }[];
}
interface WireEvent {
  type: string;
  object: WireObject;
}

export interface WatchLoopOptions {
  /** e.g. http://127.0.0.1:6443 */
  base: string;
  /** The collection, e.g. /api/v1/namespaces/default/configmaps */
  path: string;
  history: WatchHistory;
  signal: AbortSignal;
  /** Server-side end of each watch request (the loop reopens it). */
  timeoutSeconds?: number;
  /** A pause before each reopen (a client that falls behind). */
  reopenDelayMs?: number;
  /** Called for each event after it is recorded (e.g. to time deliveries). */
  onEvent?(type: ObservedType | 'BOOKMARK', key: string, rv: number): void;
  /** Called when the loop relists after a 410, or reopens a dropped stream. */
  onRecover?(what: 'relist' | 'reopen', why: string): void;
}

export function objectKeyOf(m: Meta | undefined): string {
  return m?.namespace ? `${m.namespace}/${m.name ?? ''}` : (m?.name ?? '');
}

/** Runs fn with a signal of its own that the loop's signal aborts, and that is aborted after fn (no request outlives its turn). */
async function scoped<T>(signal: AbortSignal, fn: (s: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn(ac.signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
    ac.abort();
  }
}

async function relist(o: WatchLoopOptions, signal: AbortSignal): Promise<void> {
  const res = await fetch(`${o.base}${o.path}`, { signal });
  const body = (await res.json()) as WireObject;
  if (res.status !== 200) throw new Error(`list answered ${res.status}: ${body.message ?? ''}`);
  const items = (body.items ?? []).map((i) => ({
    key: objectKeyOf(i.metadata),
    rv: Number(i.metadata?.resourceVersion),
  }));
  o.history.relist(items, Number(body.metadata?.resourceVersion));
}

/** One watch request; resolves 'expired' on a 410, 'ended' otherwise (with why). */
async function watchOnce(
  o: WatchLoopOptions,
  signal: AbortSignal,
): Promise<{ outcome: 'expired' | 'ended'; why: string }> {
  const q = new URLSearchParams({
    watch: 'true',
    resourceVersion: String(o.history.resumeFrom),
    allowWatchBookmarks: 'true',
  });
  if (o.timeoutSeconds) q.set('timeoutSeconds', String(o.timeoutSeconds));
  const res = await fetch(`${o.base}${o.path}?${q}`, { signal });
  if (res.status === 410) return { outcome: 'expired', why: 'HTTP 410' };
  if (res.status !== 200 || !res.body)
    return { outcome: 'ended', why: `watch answered ${res.status}: ${await res.text()}` };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { outcome: 'ended', why: 'the stream ended' };
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const ev = JSON.parse(line) as WireEvent;
      const rv = Number(ev.object.metadata?.resourceVersion);
      switch (ev.type) {
        case 'ERROR': {
          const why = `ERROR ${ev.object.code ?? ''} ${ev.object.reason ?? ''}: ${ev.object.message ?? ''}`;
          return { outcome: ev.object.code === 410 ? 'expired' : 'ended', why };
        }
        case 'BOOKMARK':
          o.history.bookmark(rv);
          o.onEvent?.('BOOKMARK', '', rv);
          break;
        case 'ADDED':
        case 'MODIFIED':
        case 'DELETED': {
          const key = objectKeyOf(ev.object.metadata);
          o.history.event({ type: ev.type, key, rv });
          o.onEvent?.(ev.type, key, rv);
          break;
        }
        default:
          throw new Error(`unknown watch event type ${JSON.stringify(ev.type)}`);
      }
    }
  }
}

/** Runs until the signal aborts. Never throws on faults: it lists, watches, reopens, relists. */
export async function runWatchLoop(o: WatchLoopOptions): Promise<void> {
  const backoff = new Backoff(100, 1_000);
  let listed = false;
  while (!o.signal.aborted) {
    try {
      if (!listed) {
        await scoped(o.signal, (s) => relist(o, s));
        listed = true;
      }
      const { outcome, why } = await scoped(o.signal, (s) => watchOnce(o, s));
      if (o.signal.aborted) return;
      if (outcome === 'expired') listed = false;
      else o.history.reopened();
      o.onRecover?.(outcome === 'expired' ? 'relist' : 'reopen', why);
      backoff.reset();
      if (outcome === 'ended') await sleep(o.reopenDelayMs ?? backoff.next(), o.signal);
    } catch (err) {
      if (o.signal.aborted) return;
      if (listed) o.history.reopened();
      o.onRecover?.(listed ? 'reopen' : 'relist', (err as Error).message);
      await sleep(backoff.next(), o.signal);
    }
  }
}
