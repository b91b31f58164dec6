/**
 * The real StoreRegistry over a MemoryStore, for tests of the REST facade, with what they look
 * at: a log of the writes ("create pods default/web"), the watches open, the revision, compaction,
 * and `put` for a starting state the registry would not accept as a create (a pod with a status).
 */
import type { KubeObject } from '@kubelab/api';
import { StoreRegistry, type RegistryOptions } from '../../registry/registry.js';
import type { DeleteOpts, RegistryEvent, WatchQuery, WriteOptions } from '../../registry/types.js';
import { MemoryStore } from '../../storage/memory.js';
import { seedObject } from '../../testing/seed.js';

export class MemoryRegistry extends StoreRegistry {
  readonly memory: MemoryStore;
  /** Every write that succeeded, for assertions: "create pods default/web". */
  readonly calls: string[] = [];
  private watching = 0;

  constructor(opts: RegistryOptions = {}) {
    const memory = new MemoryStore();
    super(memory, { namespacePollMs: 50, ...opts });
    this.memory = memory;
  }

  /** Watches currently open (their consumers have not gone away yet). */
  get activeWatches(): number {
    return this.watching;
  }

  get revision(): number {
    return this.memory.revision;
  }

  /** Forgets history up to the current revision: older resourceVersions become Expired. */
  compact(): Promise<void> {
    return this.memory.compact(this.memory.revision);
  }

  /** Objects stored for a resource. */
  stored(resource: string): KubeObject[] {
    const info = this.core.info(resource);
    return this.memory.snapshot(this.core.prefix(info, '')).map((kv) => this.core.decodeKv(kv));
  }

  /** Stores an object as is (see seedObject). */
  put<T extends KubeObject>(resource: string, obj: T): T {
    return seedObject(this, this.memory, resource, obj);
  }

  override async create(
    resource: string,
    namespace: string,
    obj: KubeObject,
    opts: WriteOptions = {},
  ): Promise<KubeObject> {
    const out = await super.create(resource, namespace, obj, opts);
    if (!opts.dryRun) this.calls.push(`create ${resource} ${namespace}/${out.metadata.name ?? ''}`);
    return out;
  }

  override async update(
    resource: string,
    namespace: string,
    name: string,
    obj: KubeObject,
    opts: WriteOptions = {},
  ): Promise<KubeObject> {
    const out = await super.update(resource, namespace, name, obj, opts);
    if (!opts.dryRun) this.calls.push(`update ${resource} ${namespace}/${name}`);
    return out;
  }

  override async updateStatus(resource: string, namespace: string, name: string, obj: KubeObject): Promise<KubeObject> {
    const out = await super.updateStatus(resource, namespace, name, obj);
    this.calls.push(`updateStatus ${resource} ${namespace}/${name}`);
    return out;
  }

  override async delete(resource: string, namespace: string, name: string, opts: DeleteOpts = {}): Promise<KubeObject> {
    const out = await super.delete(resource, namespace, name, opts);
    this.calls.push(`delete ${resource} ${namespace}/${name} ${opts.propagationPolicy ?? ''}`.trim());
    return out;
  }

  override async bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<KubeObject> {
    const out = await super.bind(namespace, name, nodeName, podUid);
    this.calls.push(`bind pods ${namespace}/${name} ${nodeName}`);
    return out;
  }

  override watch(resource: string, q: WatchQuery, signal: AbortSignal): AsyncIterable<RegistryEvent> {
    const inner = super.watch(resource, q, signal);
    const counted = async function* (this: MemoryRegistry): AsyncGenerator<RegistryEvent> {
      this.watching++;
      try {
        yield* inner;
      } finally {
        this.watching--;
      }
    };
    return counted.call(this);
  }
}
