/**
 * Reads served from the watch cache (the hub's state), as upstream's cacher serves them:
 *
 * | request                                          | served from                                 |
 * |--------------------------------------------------|---------------------------------------------|
 * | list resourceVersion "" (consistent), no limit   | the cache once it has reached etcd's revision |
 * | get "" (consistent); list "" with a limit        | storage (a quorum read)                     |
 * | list/get "0" (match unset or NotOlderThan)       | the cache, settled (a list ignores limit)   |
 * | list/get "N" not older than N (list: no limit)   | the cache once it has reached N             |
 * | list "N" with a limit, Exact, continue           | storage                                     |
 *
 * A cache that is not synced yet (the resource's hub just started) is waited for up to
 * settings.waitMs: a consistent list then reads storage if it must; the reads only the cache
 * serves ("0", "N") get 429 "storage is (re)initializing" with Retry-After 1, as upstream's
 * resilient watch cache initialization answers. After an apiserver restart every node's
 * informers relist at once, and each of them reading the whole resource from etcd would keep the
 * apiserver from recovering. Waiting for N is bounded (upstream: 3 s), then 504 Too large
 * resource version. A resource nobody writes has no events to move its cache
 * forward, so the wait proves with two counts against storage that nothing under the prefix
 * changed between the cache's revision and N (no key modified after it, as many keys as cached).
 *
 * "0" allows any state, and upstream serves whatever its cache holds. Here the cache first settles:
 * it waits (briefly) to be current at etcd's revision, so a client that wrote through another
 * connection a moment ago (kubectl set image, then kubectl rollout status) finds its write; when
 * etcd does not answer, or is slow, the cache serves what it has. That revision is read at most
 * ANY_REVISION_AGE_MS before the request: one read serves every "0" read of that window (under
 * load, one etcd read per window instead of one per few requests); a write this apiserver
 * answered since is waited for too.
 */
import { ApiError, notFound } from '@kubelab/proto';
import type { KubeObject, ResourceInfo } from '@kubelab/api';
import type { Store } from '../storage/store.js';
import type { Core } from './core.js';
import type { FreshnessSettings } from './freshness.js';
import type { WatchHub } from './hub.js';
import type { Matcher } from './list.js';
import { tooLargeResourceVersion } from './readplan.js';
import type { ListPage } from './types.js';

/** Resolves once the hub is synced; 429 TooManyRequests (Retry-After 1) when it is not within settings.waitMs. */
export async function cacheReady(hub: WatchHub, settings: FreshnessSettings): Promise<void> {
  if (await hub.whenSynced(settings.waitMs)) return;
  throw new ApiError('TooManyRequests', 'storage is (re)initializing', { retryAfterSeconds: 1 });
}

/** True when nothing under prefix changed between revision `at` (holding `size` keys) and `revision`. */
async function quiet(store: Store, prefix: string, at: number, size: number, revision: number): Promise<boolean> {
  const [changed, count] = await Promise.all([store.count(prefix, revision, at + 1), store.count(prefix, revision)]);
  return changed === 0 && count === size;
}

/**
 * Resolves true once the hub's state is current at `revision` (or later); false when the hub is
 * not synced (read from storage instead); 504 Too large resource version after settings.waitMs.
 */
export async function waitFresh(
  store: Store,
  hub: WatchHub,
  revision: number,
  settings: FreshnessSettings,
): Promise<boolean> {
  const deadline = Date.now() + settings.waitMs;
  for (;;) {
    if (!hub.isSynced) return false;
    if (hub.state.rev >= revision) return true;
    const { epoch } = hub;
    const at = hub.state.rev;
    const size = hub.state.size;
    const current = await store.currentRevision();
    if (current >= revision && (await quiet(store, hub.prefix, at, size, revision))) {
      hub.advance(revision, epoch);
      if (hub.epoch === epoch && hub.state.rev >= revision) return true;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw tooLargeResourceVersion(revision, current, 1);
    // Events on their way: the next one (or the poll interval) is the time to look again.
    await hub.nextChange(Math.min(settings.pollMs, left));
  }
}

/** How old (from its start) a read of etcd's revision may be to settle a "0" read. */
export const ANY_REVISION_AGE_MS = 25;

/** Per store: the last read of its revision for "0" reads, and when it began. */
const anyRevision = new WeakMap<Store, { at: number; revision: Promise<number> }>();

function recentRevision(store: Store): Promise<number> {
  const now = performance.now();
  const last = anyRevision.get(store);
  if (last && now - last.at <= ANY_REVISION_AGE_MS) return last.revision;
  const revision = store.currentRevision();
  anyRevision.set(store, { at: now, revision });
  // A failed read is not reused.
  revision.catch(() => {
    if (anyRevision.get(store)?.revision === revision) anyRevision.delete(store);
  });
  return revision;
}

/**
 * Lets the cache catch up with etcd's recent revision, or this apiserver's last write when that is
 * newer (at most ~1 s); true when it may serve "0".
 */
export async function settleForAny(core: Core, hub: WatchHub, settings: FreshnessSettings): Promise<boolean> {
  if (!hub.isSynced) return false;
  const store = core.store;
  try {
    const current = Math.max(await recentRevision(store), core.lastWriteRevision);
    await waitFresh(store, hub, current, { waitMs: Math.min(settings.waitMs, 1_000), pollMs: settings.pollMs });
  } catch {
    // etcd away or slow: any state will do.
  }
  return hub.isSynced;
}

/**
 * Upstream's consistent list from the watch cache (ConsistentListFromCache, on by default since
 * 1.31): etcd's current revision (one cheap read, shared by concurrent callers), then the cache
 * once it has reached it; false when it is not synced or does not catch up within settings.waitMs
 * (read from storage instead). A relisting informer on every node then costs no etcd range of
 * the whole resource each.
 */
export async function freshForLatest(store: Store, hub: WatchHub, settings: FreshnessSettings): Promise<boolean> {
  if (!hub.isSynced) return false;
  const current = await store.currentRevision();
  try {
    return await waitFresh(store, hub, current, settings);
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'Timeout') return false;
    throw err;
  }
}

/** The cache's matching objects under keyPrefix, each a copy of its own, and the revision they are complete at. */
export function listFromCache(core: Core, hub: WatchHub, keyPrefix: string, match: Matcher): ListPage {
  const selected = hub.state.select(keyPrefix, match);
  const resourceVersion = String(hub.state.rev);
  return { items: selected.map((c) => core.decode(c.raw, c.rev)), resourceVersion, continue: '' };
}

/** One object from the cache (a copy, or the shared read-only object when `shared`), or upstream's 404. */
export function getFromCache(
  core: Core,
  hub: WatchHub,
  info: ResourceInfo,
  key: string,
  name: string,
  shared = false,
): KubeObject {
  const c = hub.state.get(key);
  if (!c) throw notFound(info.resource, name, info.group);
  return shared ? c.obj : core.decode(c.raw, c.rev);
}
