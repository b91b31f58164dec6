/**
 * The Registry over a Store: the one implementation both front ends (gRPC, REST) use.
 */
import type { Logger } from 'pino';
import { storagePrefix, systemClock, type Clock, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { notFound } from '@kubelab/proto';
import type { Store } from '../storage/store.js';
import { parseCIDR, parsePortRange } from './allocator.js';
import { Core, parseResourceVersion, type CachedValue } from './core.js';
import { createObject } from './create.js';
import { deleteObject } from './delete.js';
import { DEFAULT_FRESHNESS, waitForRevision, type FreshnessSettings } from './freshness.js';
import { getFromCache, settleForAny, waitFresh } from './cache-read.js';
import type { WatchHub } from './hub.js';
import { HubSet } from './hub-set.js';
import { listObjects } from './list.js';
import { finalizeNamespace, markNamespaceTerminating } from './namespaces.js';
import { buildStrategies, type Strategy } from './strategy.js';
import { bindPod, updateObject, updateStatus } from './update.js';
import { watchObjects } from './watch.js';
import type {
  DeleteOpts,
  GetOptions,
  ListPage,
  ListQuery,
  Registry,
  RegistryEvent,
  StatusOptions,
  WatchQuery,
  WriteOptions,
} from './types.js';

export interface RegistryOptions {
  clock?: Clock;
  log?: Logger;
  /** Service cluster IP range; the first address is kept for `kubernetes`. */
  serviceCIDR?: string;
  /** NodePort range, "min-max". */
  nodePortRange?: string;
  bookmarkIntervalMs?: number;
  /** Events a watcher may lag behind before it is ended with Expired. */
  watchBufferSize?: number;
  /** Events each shared watch keeps for watchers that start a little in the past. */
  watchHistorySize?: number;
  /** How long a shared storage watch outlives its last watcher. */
  watchLingerMs?: number;
  /** Pause between passes while a terminating namespace still has objects. */
  namespacePollMs?: number;
  /** How long a read "not older than N" waits for the store to reach N before a 504 (upstream: 3 s). */
  resourceVersionWaitMs?: number;
  /** Pause between looks at the store's revision while waiting. */
  resourceVersionPollMs?: number;
  random?: () => number;
  /** Serve resourceVersion "0" / not-older-than reads and watch-list from the watch cache (default true). */
  watchCache?: boolean;
  /** How long an Event lives after its last write (upstream's --event-ttl, 1 h); 0 = for ever. */
  eventTTLSeconds?: number;
}

export const DEFAULT_EVENT_TTL_SECONDS = 3600;

export const DEFAULT_SERVICE_CIDR = '10.244.128.0/17';
export const DEFAULT_NODEPORT_RANGE = '30000-30099';

export class StoreRegistry implements Registry {
  readonly core: Core;
  private readonly strategies: Record<string, Strategy>;
  private readonly hubs: HubSet;
  private readonly background = new Set<Promise<void>>();
  private readonly finalizing = new Set<string>();
  private readonly stopping = new AbortController();
  private readonly bookmarkIntervalMs: number;
  private readonly namespacePollMs: number;
  private readonly freshness: FreshnessSettings;
  private readonly watchCache: boolean;

  constructor(
    readonly store: Store,
    opts: RegistryOptions = {},
  ) {
    const eventTTL = opts.eventTTLSeconds ?? DEFAULT_EVENT_TTL_SECONDS;
    this.core = new Core(store, opts.clock ?? systemClock, opts.log, eventTTL > 0 ? { events: eventTTL } : {});
    this.strategies = buildStrategies({
      store,
      serviceRange: parseCIDR(opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR),
      nodePortRange: parsePortRange(opts.nodePortRange ?? DEFAULT_NODEPORT_RANGE),
      random: opts.random,
      clock: this.core.clock,
    });
    this.hubs = new HubSet(store, (v, rev) => this.core.decode(v, rev), {
      historySize: opts.watchHistorySize ?? 1_000,
      bufferSize: opts.watchBufferSize ?? 10_000,
      lingerMs: opts.watchLingerMs ?? 120_000,
      log: opts.log,
    });
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 10_000;
    this.namespacePollMs = opts.namespacePollMs ?? 1_000;
    this.watchCache = opts.watchCache ?? true;
    if (this.watchCache) this.core.cached = (info, key) => this.cachedValue(info, key);
    this.freshness = {
      waitMs: opts.resourceVersionWaitMs ?? DEFAULT_FRESHNESS.waitMs,
      pollMs: opts.resourceVersionPollMs ?? DEFAULT_FRESHNESS.pollMs,
    };
  }

  private strategy(resource: string): Strategy {
    return this.strategies[resource] ?? {};
  }

  async storageReady(): Promise<void> {
    await this.store.currentRevision();
  }

  watchHealth(): string | undefined {
    return this.store.watchHealth?.();
  }

  create(resource: string, namespace: string, obj: KubeObject, opts?: WriteOptions): Promise<KubeObject> {
    return createObject(this.core, this.strategy(resource), resource, namespace, obj, opts);
  }

  /** The watch cache of a resource, when reads may be served from it. */
  /** The watch cache's value of key, when its hub is synced and holds it. */
  private cachedValue(info: ResourceInfo, key: string): CachedValue | undefined {
    const hub = this.hubs.get(storagePrefix(info));
    if (!hub.isSynced) return undefined;
    const c = hub.state.get(key);
    return c ? { raw: c.raw, rev: c.rev } : undefined;
  }

  private cacheOf(info: ResourceInfo): WatchHub | undefined {
    return this.watchCache ? this.hubs.get(storagePrefix(info)) : undefined;
  }

  async get(resource: string, namespace: string, name: string, opts: GetOptions = {}): Promise<KubeObject> {
    const info = this.core.info(resource);
    const ns = this.core.ns(info, namespace);
    if (opts.cacheOnly) {
      const cache = this.cacheOf(info);
      cache?.ensure(); // for the next read: a hub nobody watches starts (and lingers) as for a list
      if (!cache?.isSynced) throw notFound(info.resource, name, info.group);
      return getFromCache(this.core, cache, info, this.core.key(info, ns, name), name, opts.shared);
    }
    const cached = opts.listed
      ? this.listedCopy(info, ns, name, opts.shared)
      : opts.atVersion
        ? this.copyAt(info, ns, name, opts.atVersion, opts.shared)
        : undefined;
    if (cached) return cached;
    const rv = parseResourceVersion(opts.resourceVersion);
    const hub = rv === undefined ? undefined : this.cacheOf(info);
    if (hub && rv !== undefined) {
      // "0": the cache, settled; "N": the cache once it has reached N (cache-read.ts).
      hub.ensure();
      if (
        rv === 0
          ? await settleForAny(this.core, hub, this.freshness)
          : await waitFresh(this.store, hub, rv, this.freshness)
      )
        return getFromCache(this.core, hub, info, this.core.key(info, ns, name), name, opts.shared);
    }
    if (rv) await waitForRevision(this.store, rv, this.freshness);
    return (await this.core.mustGet(info, ns, name)).obj;
  }

  /** GetOptions.listed: the cache's copy when it has seen this apiserver's writes of the resource. */
  private listedCopy(info: ResourceInfo, ns: string, name: string, shared = false): KubeObject | undefined {
    const written = this.core.lastWrite(info);
    const hub = this.cacheOf(info);
    if (written === undefined || !hub) return undefined;
    hub.ensure();
    if (!hub.isSynced || hub.state.rev < written) return undefined;
    const c = hub.state.get(this.core.key(info, ns, name));
    if (!c) return undefined;
    return shared ? c.obj : this.core.decode(c.raw, c.rev);
  }

  /** GetOptions.atVersion: the cache's copy when it is of exactly that version. */
  private copyAt(
    info: ResourceInfo,
    ns: string,
    name: string,
    version: string,
    shared = false,
  ): KubeObject | undefined {
    const hub = this.cacheOf(info);
    const c = hub?.isSynced ? hub.state.get(this.core.key(info, ns, name)) : undefined;
    if (!c || String(c.rev) !== version) return undefined;
    return shared ? c.obj : this.core.decode(c.raw, c.rev);
  }

  cachedObjects(resource: string, namespace: string, match: (o: KubeObject) => boolean): KubeObject[] | undefined {
    const info = this.core.info(resource);
    const hub = this.cacheOf(info);
    if (!hub) return undefined;
    hub.ensure();
    if (!hub.isSynced) return undefined;
    return hub.state.scan(this.core.prefix(info, this.core.ns(info, namespace)), match).map((c) => c.obj);
  }

  list(resource: string, q: ListQuery): Promise<ListPage> {
    const info = this.core.info(resource);
    return listObjects(this.core, info, q, this.freshness, this.cacheOf(info));
  }

  update(resource: string, namespace: string, name: string, obj: KubeObject, opts?: WriteOptions): Promise<KubeObject> {
    return updateObject(this.core, this.strategy(resource), resource, namespace, name, obj, opts);
  }

  updateStatus(
    resource: string,
    namespace: string,
    name: string,
    obj: KubeObject,
    opts?: StatusOptions,
  ): Promise<KubeObject> {
    return updateStatus(this.core, this.strategy(resource), resource, namespace, name, obj, opts);
  }

  async delete(resource: string, namespace: string, name: string, opts: DeleteOpts = {}): Promise<KubeObject> {
    if (resource === 'namespaces') {
      const ns = await markNamespaceTerminating(this.core, name, opts);
      this.finalizeNamespace(name);
      return ns;
    }
    return deleteObject(this.core, this.strategy(resource), resource, namespace, name, opts);
  }

  watch(resource: string, q: WatchQuery, signal: AbortSignal): AsyncIterable<RegistryEvent> {
    const info = this.core.info(resource);
    return watchObjects(this.core, this.hubs, info, q, signal, {
      bookmarkIntervalMs: this.bookmarkIntervalMs,
      freshness: this.freshness,
      cache: this.watchCache,
    });
  }

  bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<KubeObject> {
    return bindPod(this.core, namespace, name, nodeName, podUid);
  }

  /** Starts (once) the background task that empties and removes a terminating namespace. */
  finalizeNamespace(name: string): void {
    if (this.finalizing.has(name) || this.stopping.signal.aborted) return;
    this.finalizing.add(name);
    const task = finalizeNamespace(
      this.core,
      name,
      (resource, ns, n, opts) => this.delete(resource, ns, n, opts),
      this.stopping.signal,
      this.namespacePollMs,
    ).finally(() => {
      this.finalizing.delete(name);
      this.background.delete(task);
    });
    this.background.add(task);
  }

  /** Resolves when no background task (namespace cleanup) is running. */
  async idle(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  /** Stops background work and ends every watch. */
  async close(): Promise<void> {
    this.stopping.abort();
    this.hubs.stopAll();
    await this.idle();
  }
}
