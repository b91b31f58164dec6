/**
 * Watch as upstream serves it: optional initial state as ADDED events (resourceVersion "" or
 * "0", or watch-list's sendInitialEvents), then changes after the start revision, filtered by
 * namespace and selectors. An object that stops matching yields DELETED (with its new state), one
 * that starts matching yields ADDED. DELETED events carry the last state with the deletion revision. Bookmarks are sent
 * periodically when allowed; the stream ends after timeoutSeconds or when the signal aborts.
 */
import { apiVersionOf, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { parseFieldSelector, storagePrefix } from '@kubelab/api';
import type { Core } from './core.js';
import { parseResourceVersion } from './core.js';
import { listFromCache, settleForAny, waitFresh } from './cache-read.js';
import { waitForRevision, type FreshnessSettings } from './freshness.js';
import { sharedEvent } from './watch-event.js';
import { triggerOf } from './hub-triggers.js';
import type { HubEvent, WatchHub } from './hub.js';
import type { HubSet } from './hub-set.js';
import { listAll, matcher, type Matcher } from './list.js';
import type { RegistryEvent, WatchQuery } from './types.js';

export interface WatchSettings {
  bookmarkIntervalMs: number;
  /** How long a watch-list waits for the cache to reach its revision. */
  freshness: FreshnessSettings;
  /** Initial state from the watch cache (resourceVersion "0", watch-list). */
  cache: boolean;
}

/** Upstream's annotation on the BOOKMARK that ends a watch-list's initial events. */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

interface Start {
  initial: KubeObject[];
  /** The first revision whose events follow the initial state. */
  from: number;
  /** The revision of the BOOKMARK that ends the initial events (watch-list). */
  endBookmark?: number;
}

/**
 * Where a watch starts and what initial state it sends, following upstream's table (resourceVersion
 * unset / "0" / "N" × sendInitialEvents unset / false / true). A state read at revision R (from the
 * cache or storage) is followed by a subscription from R + 1: whatever the hub dispatched in
 * between is replayed from its history, so nothing is lost or sent twice.
 */
async function startOf(
  core: Core,
  hub: WatchHub,
  info: ResourceInfo,
  q: WatchQuery,
  match: Matcher,
  settings: WatchSettings,
): Promise<Start> {
  const ns = core.ns(info, q.namespace);
  const keyPrefix = core.prefix(info, ns);
  const rv = parseResourceVersion(q.resourceVersion);
  const fromCache = (): Start => {
    const page = listFromCache(core, hub, keyPrefix, match);
    const at = Number(page.resourceVersion);
    return { initial: page.items, from: at + 1, ...(q.sendInitialEvents ? { endBookmark: at } : {}) };
  };
  const fromStorage = async (): Promise<Start> => {
    const list = await listAll(core, info, ns, match);
    return {
      initial: list.items,
      from: list.revision + 1,
      ...(q.sendInitialEvents ? { endBookmark: list.revision } : {}),
    };
  };
  if (q.sendInitialEvents === false) {
    if (rv) return { initial: [], from: rv + 1 };
    if (rv === 0 && settings.cache && hub.isSynced) return { initial: [], from: hub.state.rev + 1 };
    return { initial: [], from: (await core.store.currentRevision()) + 1 };
  }
  if (q.sendInitialEvents === undefined) {
    if (rv) return { initial: [], from: rv + 1 };
    if (rv === 0 && settings.cache) {
      hub.ensure();
      if (await settleForAny(core, hub, settings.freshness)) return fromCache();
    }
    return fromStorage();
  }
  // Watch-list: the state not older than the required revision ("": the latest), from the cache.
  if (!settings.cache) {
    if (rv) await waitForRevision(core.store, rv, settings.freshness);
    return fromStorage();
  }
  hub.ensure();
  if (!(await hub.whenSynced(settings.freshness.waitMs))) return fromStorage();
  if (rv === 0) return (await settleForAny(core, hub, settings.freshness)) ? fromCache() : fromStorage();
  const required = rv === undefined ? await core.store.currentRevision() : rv;
  if (!(await waitFresh(core.store, hub, required, settings.freshness))) return fromStorage();
  return fromCache();
}

/** What a watcher with this filter sees of one storage event, if anything. */
export function translate(
  core: Core,
  ev: HubEvent,
  keyPrefix: string,
  match: (o: KubeObject) => boolean,
): RegistryEvent | undefined {
  if (!ev.key.startsWith(keyPrefix)) return undefined;
  const was = !!ev.prev && match(ev.prev);
  if (ev.type === 'delete') return was ? sharedEvent(core, ev, 'DELETED', 'prev') : undefined;
  const is = !!ev.obj && match(ev.obj);
  if (is) return sharedEvent(core, ev, was ? 'MODIFIED' : 'ADDED', 'new');
  if (was) return sharedEvent(core, ev, 'DELETED', 'new');
  return undefined;
}

export async function* watchObjects(
  core: Core,
  hubs: HubSet,
  info: ResourceInfo,
  q: WatchQuery,
  signal: AbortSignal,
  settings: WatchSettings,
): AsyncGenerator<RegistryEvent> {
  const match = matcher(q);
  const keyPrefix = core.prefix(info, core.ns(info, q.namespace));
  const hub = hubs.get(storagePrefix(info));
  const { initial, from, endBookmark } = await startOf(core, hub, info, q, match, settings);
  if (signal.aborted) return;
  const sub = hub.subscribe(from, triggerOf(parseFieldSelector(q.fieldSelector)));
  const timers: NodeJS.Timeout[] = [];
  const end = (): void => {
    for (const t of timers) clearTimeout(t);
    sub.close();
  };
  signal.addEventListener('abort', end, { once: true });
  if (q.timeoutSeconds && q.timeoutSeconds > 0) timers.push(setTimeout(end, q.timeoutSeconds * 1000));
  if (q.allowBookmarks) timers.push(setInterval(() => sub.bookmark(), settings.bookmarkIntervalMs));
  for (const t of timers) t.unref();
  const bookmark = (rv: number, annotations?: Record<string, string>): RegistryEvent => ({
    type: 'BOOKMARK',
    object: {
      apiVersion: apiVersionOf(info),
      kind: info.kind,
      metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) },
    },
  });
  let last = from - 1;
  try {
    for (const obj of initial) yield { type: 'ADDED', object: obj };
    if (endBookmark !== undefined && q.allowBookmarks) yield bookmark(endBookmark, { [INITIAL_EVENTS_END]: 'true' });
    for await (const item of sub.queue) {
      if (item === null || typeof item === 'number') {
        if (item !== null && item > last) last = item;
        yield bookmark(last);
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
