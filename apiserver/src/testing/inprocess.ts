/**
 * The apiserver in process, for components' unit tests: the real StoreRegistry (defaults,
 * validation, compare-and-swap, graceful deletion, finalizers, watch) over a MemoryStore, with a
 * manual clock, behind the ApiClient surface (same arguments, same ApiError). Test conveniences:
 * a call log (`calls`, `count`), `onRequest` to fail a call, synchronous reads (`peek`,
 * `objects`), a synchronous change feed (`subscribe`), and `setAvailable(false)` for a store outage.
 */
import { resourceInfo, RESOURCES, storagePrefix, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { DeleteOptions, Event, GetOptions, ListOptions, ListResult, WatchOptions } from '@kubelab/client';
import { ApiError, type BindRequest, type WatchEventType } from '@kubelab/proto';
import { SYSTEM_NAMESPACES } from '../registry/bootstrap.js';
import { StoreRegistry, type RegistryOptions } from '../registry/registry.js';
import { MemoryStore } from '../storage/memory.js';
import type { StoreEvent } from '../storage/store.js';
import { ManualClock } from './clock.js';
import { seedObject } from './seed.js';

export interface Call {
  verb: 'create' | 'get' | 'list' | 'update' | 'updateStatus' | 'delete' | 'watch' | 'bind';
  resource: string;
  namespace: string;
  name: string;
  object?: KubeObject;
  options?: DeleteOptions;
  /** A get's resourceVersion ("0": the watch cache), when it names one. */
  resourceVersion?: string;
}

/** Told of every stored change, synchronously, before the write that made it returns. */
export type Listener = (resource: string, type: WatchEventType, obj: KubeObject) => void;

export interface InProcessOptions {
  clock?: ManualClock;
  /** Namespaces that exist from the start (default: the system ones, `default` among them). */
  namespaces?: string[];
  /** Passed to the registry (service CIDR, node port range, watch sizes …). */
  registry?: Omit<RegistryOptions, 'clock'>;
}

/** Resource of each storage prefix, longest first ("/registry/apps/deployments/" before "/registry/"…). */
const BY_PREFIX: [string, ResourceInfo][] = RESOURCES.map((r): [string, ResourceInfo] => [storagePrefix(r), r]).sort(
  (a, b) => b[0].length - a[0].length,
);

function resourceOfKey(key: string): ResourceInfo | undefined {
  return BY_PREFIX.find(([p]) => key.startsWith(p))?.[1];
}

const byNamespaceName = (a: KubeObject, b: KubeObject): number =>
  `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`.localeCompare(
    `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`,
  );

export class InProcessApi {
  readonly clock: ManualClock;
  readonly store: MemoryStore;
  readonly registry: StoreRegistry;
  readonly calls: Call[] = [];
  /** Called before every request (after it is logged); throw from it to make the request fail. */
  onRequest: ((call: Call) => void) | undefined;
  /** Resolves once the initial namespaces exist; every call waits for it. */
  readonly ready: Promise<void>;

  constructor(opts: InProcessOptions = {}) {
    this.clock = opts.clock ?? new ManualClock();
    this.store = new MemoryStore({ clock: this.clock });
    const registry = new StoreRegistry(this.store, { namespacePollMs: 5, ...opts.registry, clock: this.clock });
    this.registry = registry;
    const namespaces = opts.namespaces ?? SYSTEM_NAMESPACES;
    this.ready = (async () => {
      for (const name of namespaces)
        await registry.create('namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    })();
  }

  /** Every stored change from now on (ADDED / MODIFIED / DELETED, as a watch would see it). */
  subscribe(l: Listener): () => void {
    return this.store.observe((ev: StoreEvent) => {
      const info = resourceOfKey(ev.key);
      if (!info) return;
      if (ev.type === 'delete') l(info.resource, 'DELETED', this.registry.core.decode(ev.prevValue!, ev.modRevision));
      else l(info.resource, ev.prevValue ? 'MODIFIED' : 'ADDED', this.registry.core.decode(ev.value, ev.modRevision));
    });
  }

  /** Current objects of a resource (optionally one namespace), sorted by namespace/name; no call logged. */
  objects<T extends KubeObject>(resource: string, namespace?: string): T[] {
    const info = this.info(resource);
    const prefix =
      namespace !== undefined && info.namespaced ? `${storagePrefix(info)}${namespace}/` : storagePrefix(info);
    return this.store
      .snapshot(prefix)
      .map((kv) => this.registry.core.decodeKv(kv) as T)
      .sort(byNamespaceName);
  }

  /** The stored object or undefined; no call logged. */
  peek<T extends KubeObject>(resource: string, namespace: string, name: string): T | undefined {
    const info = this.info(resource);
    const key = this.registry.core.key(info, info.namespaced ? namespace : '', name);
    const kv = this.store.snapshot(key).find((k) => k.key === key);
    return kv ? (this.registry.core.decodeKv(kv) as T) : undefined;
  }

  /**
   * Stores an object as is, now, as if it were in etcd already (no defaults, validation or
   * admission: a test's starting state, e.g. a pod with a status or a deletionTimestamp); a
   * missing uid and creationTimestamp are filled in. Returns the stored copy. No call logged.
   */
  put<T extends KubeObject>(resource: string, obj: T): T {
    return seedObject(this.registry, this.store, resource, obj);
  }

  /** Creates an object through the registry (defaults, validation, admission) without logging a call: a test's starting state. */
  async seed<T extends KubeObject>(resource: string, obj: T, namespace = obj.metadata.namespace ?? ''): Promise<T> {
    await this.ready;
    return (await this.registry.create(resource, namespace, obj)) as T;
  }

  /** Removes an object now, if it is there (no finalizers, no grace). No call logged. */
  remove(resource: string, namespace: string, name: string): void {
    const info = this.info(resource);
    this.store.deleteNow(this.registry.core.key(info, info.namespaced ? namespace : '', name));
  }

  count(verb: Call['verb'], resource?: string): number {
    return this.calls.filter((c) => c.verb === verb && (resource === undefined || c.resource === resource)).length;
  }

  /** false: every call fails with ServiceUnavailable, as when etcd is down. */
  setAvailable(up: boolean): void {
    this.store.setAvailable(up);
  }

  private info(resource: string): ResourceInfo {
    const info = resourceInfo(resource);
    if (!info) throw new Error(`InProcessApi: unknown resource ${JSON.stringify(resource)}`);
    return info;
  }

  private async enter(call: Call): Promise<void> {
    await this.ready;
    this.calls.push(call);
    this.onRequest?.(call);
  }

  async create<T extends KubeObject>(resource: string, obj: T, namespace = obj.metadata.namespace ?? ''): Promise<T> {
    await this.enter({
      verb: 'create',
      resource,
      namespace,
      name: obj.metadata.name ?? obj.metadata.generateName ?? '',
      object: structuredClone(obj),
    });
    return (await this.registry.create(resource, namespace, obj)) as T;
  }

  async get<T extends KubeObject>(
    resource: string,
    namespace: string,
    name: string,
    opts: GetOptions = {},
  ): Promise<T> {
    await this.enter({ verb: 'get', resource, namespace, name, ...opts });
    return (await this.registry.get(resource, namespace, name, opts)) as T;
  }

  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    await this.enter({ verb: 'list', resource, namespace: opts.namespace ?? '', name: '' });
    const page = await this.registry.list(resource, { ...opts, namespace: opts.namespace ?? '' });
    return { items: page.items as T[], resourceVersion: page.resourceVersion, continue: page.continue };
  }

  /** Writes the whole object; metadata.resourceVersion, when set, must still be current. */
  async update<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    const { namespace = '', name = '' } = obj.metadata;
    await this.enter({ verb: 'update', resource, namespace, name, object: structuredClone(obj) });
    return (await this.registry.update(resource, namespace, name, obj)) as T;
  }

  async updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    const { namespace = '', name = '' } = obj.metadata;
    await this.enter({ verb: 'updateStatus', resource, namespace, name, object: structuredClone(obj) });
    return (await this.registry.updateStatus(resource, namespace, name, obj)) as T;
  }

  async delete<T extends KubeObject = KubeObject>(
    resource: string,
    namespace: string,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<T> {
    await this.enter({ verb: 'delete', resource, namespace, name, options: { ...opts } });
    return (await this.registry.delete(resource, namespace, name, opts)) as T;
  }

  async bind(namespace: string, name: string, nodeName: string, podUid = ''): Promise<KubeObject> {
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace, uid: podUid },
      target: { kind: 'Node', name: nodeName },
    };
    await this.enter({ verb: 'bind', resource: 'pods', namespace, name, object: binding });
    return this.registry.bind(namespace, name, nodeName, podUid);
  }

  /** As ApiClient.bindMany: each binding a bind of its own; its refusal is its result. */
  async bindMany(bindings: readonly BindRequest[]): Promise<(ApiError | undefined)[]> {
    return Promise.all(
      bindings.map((b) =>
        this.bind(b.namespace, b.name, b.nodeName, b.podUid).then(
          () => undefined,
          (err: unknown) => ApiError.from(err),
        ),
      ),
    );
  }

  /** Ends when the signal aborts; throws ApiError('Expired') from a compacted revision, as the client does. */
  async *watch<T extends KubeObject>(
    resource: string,
    opts: WatchOptions,
    signal: AbortSignal,
  ): AsyncGenerator<Event<T>> {
    await this.enter({ verb: 'watch', resource, namespace: opts.namespace ?? '', name: '' });
    for await (const ev of this.registry.watch(resource, { ...opts, namespace: opts.namespace ?? '' }, signal))
      yield { type: ev.type, object: ev.object as T };
  }

  /** What the kubelet does once a pod's containers are gone: the grace-0 delete (no call logged). */
  async finishPodDeletion(namespace: string, name: string): Promise<void> {
    await this.ready;
    try {
      await this.registry.delete('pods', namespace, name, { gracePeriodSeconds: 0 });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }

  /** Discards the store's history up to now: a watch from an older resourceVersion gets Expired. */
  async compact(): Promise<void> {
    await this.store.compact(await this.store.currentRevision());
  }

  /** Stops the registry's background work and ends every watch. */
  async close(): Promise<void> {
    await this.registry.close();
    await this.store.close();
  }
}
