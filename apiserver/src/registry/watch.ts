/**
 * Watch as upstream serves it: optional initial state as ADDED events (resourceVersion "" or
 * "0"), then changes after the start revision, filtered by namespace and selectors. An object
 * that stops matching yields DELETED (with its new state), one that starts matching yields
 * ADDED. DELETED events carry the last state with the deletion revision. Bookmarks are sent
 * periodically when allowed; the stream ends after timeoutSeconds or when the signal aborts.
 */
import { apiVersionOf, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { storagePrefix } from '@kubelab/api';
import type { Core } from './core.js';
import { parseResourceVersion } from './core.js';
import type { HubEvent, HubSet } from './hub.js';
import { listAll, matcher } from './list.js';
import type { RegistryEvent, WatchQuery } from './types.js';

export interface WatchSettings {
  bookmarkIntervalMs: number;
}

function fresh(core: Core, raw: Buffer, rev: number): KubeObject {
  return core.decode(raw, rev);
}

/** What a watcher with this filter sees of one storage event, if anything. */
export function translate(core: Core, ev: HubEvent, keyPrefix: string, match: (o: KubeObject) => boolean): RegistryEvent | undefined {
  if (!ev.key.startsWith(keyPrefix)) return undefined;
  const was = !!ev.prev && match(ev.prev);
  if (ev.type === 'delete') return was ? { type: 'DELETED', object: fresh(core, ev.prevRaw!, ev.rev) } : undefined;
  const is = !!ev.obj && match(ev.obj);
  if (is) return { type: was ? 'MODIFIED' : 'ADDED', object: fresh(core, ev.raw, ev.rev) };
  if (was) return { type: 'DELETED', object: fresh(core, ev.raw, ev.rev) };
  return undefined;
}

export async function* watchObjects(core: Core, hubs: HubSet, info: ResourceInfo, q: WatchQuery, signal: AbortSignal, settings: WatchSettings): AsyncGenerator<RegistryEvent> {
  const match = matcher(q);
  const ns = core.ns(info, q.namespace);
  const keyPrefix = core.prefix(info, ns);
  const rv = parseResourceVersion(q.resourceVersion);
  let initial: KubeObject[] = [];
  let from: number;
  if (!rv) {
    const list = await listAll(core, info, ns, match);
    initial = list.items;
    from = list.revision + 1;
  } else {
    from = rv + 1;
  }
  if (signal.aborted) return;
  const sub = hubs.get(storagePrefix(info)).subscribe(from);
  const timers: NodeJS.Timeout[] = [];
  const end = (): void => {
    for (const t of timers) clearTimeout(t);
    sub.close();
  };
  signal.addEventListener('abort', end, { once: true });
  if (q.timeoutSeconds && q.timeoutSeconds > 0) timers.push(setTimeout(end, q.timeoutSeconds * 1000));
  if (q.allowBookmarks) timers.push(setInterval(() => sub.queue.push(null), settings.bookmarkIntervalMs));
  for (const t of timers) t.unref();
  let last = from - 1;
  try {
    for (const obj of initial) yield { type: 'ADDED', object: obj };
    for await (const item of sub.queue) {
      if (item === null) {
        yield { type: 'BOOKMARK', object: { apiVersion: apiVersionOf(info), kind: info.kind, metadata: { resourceVersion: String(last) } } };
        continue;
      }
      last = item.rev;
      const ev = translate(core, item, keyPrefix, match);
      if (ev) yield ev;
    }
  } finally {
    for (const t of timers) clearTimeout(t);
    signal.removeEventListener('abort', end);
    sub.close();
  }
}
