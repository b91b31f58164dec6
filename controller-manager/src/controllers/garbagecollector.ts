/**
 * Garbage collector. Background: a dependent (ReplicaSet, Pod) whose every owner is gone (a
 * direct GET says NotFound, or the name now has another uid; a cache miss alone proves nothing)
 * is deleted with propagationPolicy Background. Foreground: an owner with deletionTimestamp and
 * the `foregroundDeletion` finalizer gets its dependents deleted (Foreground again for those
 * that own things themselves); once no blocking dependent is left (checked with a fresh list),
 * the finalizer is removed and the apiserver removes the owner. A dependent that still has a
 * live owner only loses its references to owners that are gone or being deleted.
 */
import type { Logger } from 'pino';
import { resourceForKind, type KubeObject, type OwnerReference } from '@kubelab/api';
import { objectKey, splitKey } from '@kubelab/client';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { errorMessage, isConflict, isNotFound } from '../util/objects.js';

export const FOREGROUND = 'foregroundDeletion';

export interface GarbageCollectorDeps {
  api: ApiLike;
  /** One cache per resource the collector looks at (owners and dependents), keyed by resource name. */
  caches: Record<string, Cache<KubeObject>>;
  /** Resources whose objects are checked as dependents (default: replicasets, pods). */
  dependents?: string[];
  queue: KeyQueue;
  log: Logger;
}

type OwnerState = 'solid' | 'dangling' | 'waiting';

const isForegroundDeleting = (o: KubeObject): boolean =>
  !!o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes(FOREGROUND);

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  private readonly dependentResources: string[];

  constructor(private readonly d: GarbageCollectorDeps) {
    this.queue = d.queue;
    this.caches = Object.values(d.caches);
    this.dependentResources = (d.dependents ?? ['replicasets', 'pods']).filter((r) => d.caches[r]);
    for (const [resource, cache] of Object.entries(d.caches)) {
      const isDependent = this.dependentResources.includes(resource);
      cache.addHandlers({
        add: (o) => this.onUpsert(resource, o, isDependent),
        update: (_old, o) => this.onUpsert(resource, o, isDependent),
        delete: (o) => this.onDelete(o, isDependent),
      });
    }
  }

  private onUpsert(resource: string, o: KubeObject, isDependent: boolean): void {
    if (isForegroundDeleting(o)) this.queue.add(`fg|${resource}|${objectKey(o)}`);
    if (isDependent && (o.metadata.ownerReferences?.length ?? 0) > 0) this.queue.add(`dep|${resource}|${objectKey(o)}`);
  }

  private onDelete(o: KubeObject, isDependent: boolean): void {
    const uid = o.metadata.uid;
    // Its dependents may now be orphans.
    if (uid) {
      for (const r of this.dependentResources) {
        for (const dep of this.d.caches[r]!.list())
          if (dep.metadata.ownerReferences?.some((ref) => ref.uid === uid))
            this.queue.add(`dep|${r}|${objectKey(dep)}`);
      }
    }
    // Its owners may be waiting for it to go.
    if (isDependent) {
      for (const ref of o.metadata.ownerReferences ?? []) {
        const info = resourceForKind(ref.apiVersion, ref.kind);
        const cache = info && this.d.caches[info.resource];
        if (!info || !cache) continue;
        const key = info.namespaced ? `${o.metadata.namespace ?? ''}/${ref.name}` : ref.name;
        const owner = cache.get(key);
        if (owner && owner.metadata.uid === ref.uid && isForegroundDeleting(owner))
          this.queue.add(`fg|${info.resource}|${key}`);
      }
    }
  }

  async reconcile(item: string): Promise<void> {
    const [mode, resource, key] = item.split('|') as [string, string, string];
    if (mode === 'dep') return this.processDependent(resource, key);
    if (mode === 'fg') return this.processForeground(resource, key);
  }

  /** Where the owner a reference names stands; a cache miss is confirmed with a GET. */
  private async ownerState(ref: OwnerReference, namespace: string): Promise<OwnerState> {
    const info = resourceForKind(ref.apiVersion, ref.kind);
    if (!info) return 'solid'; // an owner kind we cannot look up is never assumed gone
    const ns = info.namespaced ? namespace : '';
    let owner = this.d.caches[info.resource]?.get(ns ? `${ns}/${ref.name}` : ref.name);
    if (!owner || owner.metadata.uid !== ref.uid) {
      try {
        owner = await this.d.api.get(info.resource, ns, ref.name);
      } catch (err) {
        if (isNotFound(err)) return 'dangling';
        throw err;
      }
      if (owner.metadata.uid !== ref.uid) return 'dangling';
    }
    return isForegroundDeleting(owner) ? 'waiting' : 'solid';
  }

  /**
   * `listed`: the object as a fresh list returned it, when the cache may not have it yet; `live`:
   * it was just read from the apiserver. Nothing is done on the cache's word alone: an owner
   * deleted with --cascade=orphan strips its dependents' references just before it goes, and the
   * cache may still hold them when the owner's deletion arrives (upstream's attemptToDeleteItem
   * reads the object too).
   */
  private async processDependent(resource: string, key: string, listed?: KubeObject, live = false): Promise<void> {
    const obj = live ? listed : (this.d.caches[resource]?.get(key) ?? listed);
    if (!obj || obj.metadata.deletionTimestamp) return;
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const { namespace, name } = splitKey(key);
    const states = await Promise.all(refs.map((r) => this.ownerState(r, namespace)));
    if (!live && states.some((st) => st !== 'solid')) return this.processLive(resource, key, obj);
    const log = this.d.log.child({ resource, object: key });
    if (states.includes('solid')) {
      const drop = new Set(refs.filter((_r, i) => states[i] !== 'solid').map((r) => r.uid));
      if (drop.size === 0) return;
      log.info({ owners: [...drop] }, 'removing references to owners that are gone or being deleted');
      try {
        await this.d.api.update(resource, {
          ...obj,
          metadata: { ...obj.metadata, ownerReferences: refs.filter((r) => !drop.has(r.uid)) },
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    // Owners waiting for their dependents: delete in the foreground, unless this kind owns nothing.
    const waiting = states.includes('waiting');
    const policy = waiting && resource !== 'pods' ? 'Foreground' : 'Background';
    log.info({ policy, owners: refs.map((r) => `${r.kind}/${r.name}`) }, 'deleting dependent whose owners are gone');
    try {
      await this.d.api.delete(resource, namespace, name, {
        propagationPolicy: policy,
        preconditionUid: obj.metadata.uid,
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  /** Decides again on the object as the apiserver has it now. */
  private async processLive(resource: string, key: string, cached: KubeObject): Promise<void> {
    const { namespace, name } = splitKey(key);
    let cur: KubeObject;
    try {
      cur = await this.d.api.get(resource, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (cur.metadata.uid !== cached.metadata.uid) return;
    return this.processDependent(resource, key, cur, true);
  }

  private dependentsOf(owner: KubeObject, items: KubeObject[]): KubeObject[] {
    const uid = owner.metadata.uid;
    const ns = owner.metadata.namespace;
    return items.filter(
      (o) => (!ns || o.metadata.namespace === ns) && o.metadata.ownerReferences?.some((r) => r.uid === uid),
    );
  }

  private async processForeground(resource: string, key: string): Promise<void> {
    const owner = this.d.caches[resource]?.get(key);
    if (!owner || !isForegroundDeleting(owner)) return;
    const log = this.d.log.child({ resource, object: key });
    let blocking = 0;
    for (const r of this.dependentResources) {
      for (const dep of this.dependentsOf(owner, this.d.caches[r]!.list())) {
        if (dep.metadata.ownerReferences?.some((ref) => ref.uid === owner.metadata.uid && ref.blockOwnerDeletion))
          blocking++;
        if (!dep.metadata.deletionTimestamp) await this.processDependent(r, objectKey(dep));
      }
    }
    if (blocking > 0) return; // their deletion events bring us back
    // The cache may lag behind new dependents: confirm with a fresh list before letting go.
    for (const r of this.dependentResources) {
      const { items } = await this.d.api.list(r, { namespace: owner.metadata.namespace ?? '' });
      const left = this.dependentsOf(owner, items).filter((o) =>
        o.metadata.ownerReferences?.some((ref) => ref.uid === owner.metadata.uid && ref.blockOwnerDeletion),
      );
      if (left.length > 0) {
        log.debug({ dependents: left.length, of: r }, 'foreground deletion waits for dependents');
        for (const dep of left) await this.processDependent(r, objectKey(dep), dep);
        this.queue.addAfter(`fg|${resource}|${key}`, 2000);
        return;
      }
    }
    const { namespace, name } = splitKey(key);
    let fresh: KubeObject;
    try {
      fresh = await this.d.api.get(resource, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (fresh.metadata.uid !== owner.metadata.uid || !isForegroundDeleting(fresh)) return;
    const finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND);
    log.info('dependents gone; removing the foregroundDeletion finalizer');
    try {
      await this.d.api.update(resource, { ...fresh, metadata: { ...fresh.metadata, finalizers } });
    } catch (err) {
      if (isNotFound(err)) return;
      log.debug({ err: errorMessage(err) }, 'finalizer removal failed; will retry');
      throw err;
    }
  }
}
