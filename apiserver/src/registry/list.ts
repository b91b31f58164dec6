/**
 * List with label/field selectors, limit/continue and upstream's resourceVersion /
 * resourceVersionMatch semantics (see readplan.ts). A paginated list is one consistent snapshot:
 * the continue token (continue.ts) carries the first page's revision and later pages are read at it.
 */
import { ApiError } from '@kubelab/proto';
import {
  matches,
  matchesFields,
  parseFieldSelector,
  parseLabelSelector,
  type KubeObject,
  type ResourceInfo,
} from '@kubelab/api';
import { FutureRevisionError } from '../storage/store.js';
import { encodeContinue, LATEST_REVISION } from './continue.js';
import { cacheReady, freshForLatest, listFromCache, settleForAny, waitFresh } from './cache-read.js';
import type { Core } from './core.js';
import type { WatchHub } from './hub.js';
import { DEFAULT_FRESHNESS, waitForRevision, type FreshnessSettings } from './freshness.js';
import { ContinueExpiredError, listTooOld, planList, tooLargeResourceVersion } from './readplan.js';
import type { ListPage, ListQuery } from './types.js';

export type Matcher = (obj: KubeObject) => boolean;

export function matcher(q: { labelSelector?: string; fieldSelector?: string }): Matcher {
  const labels = parseLabelSelector(q.labelSelector);
  const fields = parseFieldSelector(q.fieldSelector);
  return (obj) => matches(labels, obj.metadata?.labels) && matchesFields(fields, obj);
}

export async function listObjects(
  core: Core,
  info: ResourceInfo,
  q: ListQuery,
  freshness: FreshnessSettings = DEFAULT_FRESHNESS,
  hub?: WatchHub,
): Promise<ListPage> {
  const ns = core.ns(info, q.namespace);
  const prefix = core.prefix(info, ns);
  const match = matcher(q);
  const limit = q.limit && q.limit > 0 ? Math.floor(q.limit) : 0;
  const plan = planList(q, prefix);
  if (hub && (plan.kind === 'any' || (!limit && (plan.kind === 'notOlderThan' || plan.kind === 'latest')))) {
    // Served from the watch cache when it is synced (cache-read.ts); storage otherwise.
    hub.ensure();
    // A cache still filling (after a restart) is waited for: it takes one etcd range, where every
    // caller reading storage meanwhile would take one each (200 kubelets' reads authorized against
    // the pods of their namespace kept etcd too busy for the cache's own range to finish).
    if (plan.kind !== 'latest') await cacheReady(hub, freshness);
    else await hub.whenSynced(freshness.waitMs);
    if (
      plan.kind === 'any'
        ? await settleForAny(core, hub, freshness)
        : plan.kind === 'latest'
          ? await freshForLatest(core.store, hub, freshness)
          : await waitFresh(core.store, hub, plan.revision, freshness)
    )
      return listFromCache(core, hub, prefix, match);
  }
  if (plan.kind === 'notOlderThan') await waitForRevision(core.store, plan.revision, freshness);
  const firstKey = plan.kind === 'continue' ? plan.startKey : prefix;
  let startKey = firstKey;
  let revision = plan.kind === 'exact' || plan.kind === 'continue' ? plan.revision : undefined;
  const items: KubeObject[] = [];
  let next: string | undefined;
  try {
    for (;;) {
      const res = await core.store.list(prefix, { startKey, revision, limit });
      revision ??= res.revision;
      let i = 0;
      for (; i < res.kvs.length && !(limit && items.length >= limit); i++) {
        const obj = core.decodeKv(res.kvs[i]!);
        if (match(obj)) items.push(obj);
      }
      const last = res.kvs[i - 1];
      if (limit && items.length >= limit) {
        if (i < res.kvs.length || res.more) next = `${last!.key}\0`;
        break;
      }
      if (!res.more || !last) break;
      startKey = `${last.key}\0`;
    }
  } catch (err) {
    if (err instanceof FutureRevisionError) throw tooLargeResourceVersion(err.requested, err.current, 0);
    if (err instanceof ApiError && err.reason === 'Expired') {
      throw plan.kind === 'continue'
        ? new ContinueExpiredError(encodeContinue(firstKey, prefix, LATEST_REVISION))
        : listTooOld();
    }
    throw err;
  }
  return {
    items,
    resourceVersion: String(revision),
    continue: next ? encodeContinue(next, prefix, revision!) : '',
  };
}

/** Every matching object and the revision they were read at (for a watch's initial state). */
export async function listAll(
  core: Core,
  info: ResourceInfo,
  namespace: string,
  match: Matcher,
): Promise<{ items: KubeObject[]; revision: number }> {
  const res = await core.store.list(core.prefix(info, core.ns(info, namespace)));
  return { items: res.kvs.map((kv) => core.decodeKv(kv)).filter(match), revision: res.revision };
}
