/**
 * What every registry operation shares: resource lookup, storage keys, the JSON codec (the stored
 * bytes carry no resourceVersion; reads set it from the key's mod revision) and the
 * read-modify-CAS loop all writes of existing objects go through.
 */
import type { Logger } from 'pino';
import { ApiError, conflict, notFound } from '@kubelab/proto';
import {
  canonical,
  resourceInfo,
  rfc3339,
  storagePrefix,
  systemClock,
  type Clock,
  type KubeObject,
  type ResourceInfo,
} from '@kubelab/api';
import { KeyExistsError, RevisionConflictError, type KeyValue, type Store, type TxnOp } from '../storage/store.js';

export interface Stored {
  obj: KubeObject;
  rev: number;
}

/** A stored value as the watch cache holds it (see Core.cached). */
export interface CachedValue {
  raw: Buffer;
  rev: number;
}

/** What a mutation wants written: the new object, or its removal, plus extra txn ops. */
export interface Mutation {
  obj: KubeObject;
  delete?: boolean;
  extraOps?: TxnOp[];
  /** obj encoded, when the mutation has already done so (its size was checked): not encoded twice. */
  value?: Buffer;
}

const MAX_RETRIES = 20;

/**
 * Resources the admission plugins read as upstream's read through informers (GetOptions.listed):
 * the namespace of each pod (PodSecurity), its ServiceAccount (ServiceAccount admission).
 */
const LISTED_RESOURCES = ['namespaces', 'serviceaccounts'];

export class Core {
  /**
   * Namespaces as last read, for the check every namespaced create makes (create.ts): reading
   * them from etcd on each create was a third of etcd's reads in a burst of pods.
   */
  readonly namespaces = new Map<string, Stored>();
  /**
   * The watch cache's value of a key, when it has one (set by the registry): a write of an
   * existing object starts from it instead of reading etcd, as upstream's GuaranteedUpdate
   * starts from its cachedExistingObject.
   */
  cached?: (info: ResourceInfo, key: string) => CachedValue | undefined;

  /** Storage prefix of each listed resource → the revision of this apiserver's last write under it. */
  private readonly lastWrites = new Map(LISTED_RESOURCES.map((r) => [storagePrefix(resourceInfo(r)!), 0]));

  constructor(
    readonly store: Store,
    readonly clock: Clock = systemClock,
    readonly log?: Logger,
    /** Seconds each write of these resources lives (Events: --event-ttl); the others live for ever. */
    private readonly ttls: Readonly<Record<string, number>> = {},
  ) {}

  /** CAS write of obj over the revision read (with the resource's TTL); returns the new revision. */
  put(info: ResourceInfo, key: string, obj: KubeObject, rev: number): Promise<number> {
    return this.txn([{ type: 'update', key, value: this.encode(obj), modRevision: rev, ttlSeconds: this.ttl(info) }]);
  }

  /** Every write of the registry: the store's txn, remembered for the listed resources it touches. */
  async txn(ops: TxnOp[]): Promise<number> {
    const rev = await this.store.txn(ops);
    this.wrote(ops, rev);
    return rev;
  }

  /** A delete without a txn (the namespace's own, once it is empty). */
  async deleteKey(key: string, expectedModRevision: number): Promise<void> {
    const r = await this.store.delete(key, expectedModRevision);
    if (r) this.wrote([{ key }], r.revision);
  }

  /** The revision of this apiserver's last write of anything (0: none since it started). */
  lastWriteRevision = 0;

  /** A check (the namespace every namespaced create compares) writes nothing. */
  private wrote(ops: readonly { key: string; type?: TxnOp['type'] }[], rev: number): void {
    if (rev > this.lastWriteRevision && ops.some((o) => o.type !== 'check')) this.lastWriteRevision = rev;
    for (const [prefix, last] of this.lastWrites)
      if (rev > last && ops.some((o) => o.type !== 'check' && o.key.startsWith(prefix)))
        this.lastWrites.set(prefix, rev);
  }

  /**
   * For a listed resource, the revision of this apiserver's last write of it (0: none since it
   * started): a watch cache that has reached it holds every write a client of this apiserver
   * was answered for. undefined for the other resources.
   */
  lastWrite(info: ResourceInfo): number | undefined {
    return this.lastWrites.get(storagePrefix(info));
  }

  /** The TTL of a write of this resource's objects, if they expire. */
  ttl(info: ResourceInfo): number | undefined {
    return info.group === '' ? this.ttls[info.resource] : undefined;
  }

  info(resource: string): ResourceInfo {
    const info = resourceInfo(resource);
    if (!info) throw new ApiError('NotFound', 'the server could not find the requested resource', { kind: resource });
    return info;
  }

  /** "" for cluster-scoped resources, else the namespace (which may be "" = all, for lists). */
  ns(info: ResourceInfo, namespace: string | undefined): string {
    return info.namespaced ? (namespace ?? '') : '';
  }

  key(info: ResourceInfo, namespace: string, name: string): string {
    return info.namespaced ? `${storagePrefix(info)}${namespace}/${name}` : `${storagePrefix(info)}${name}`;
  }

  /** Key prefix of a collection; namespace "" = every namespace. */
  prefix(info: ResourceInfo, namespace: string): string {
    return info.namespaced && namespace ? `${storagePrefix(info)}${namespace}/` : storagePrefix(info);
  }

  now(offsetSeconds = 0): string {
    return rfc3339(this.clock.now() + offsetSeconds * 1000);
  }

  decode(value: Buffer, rev: number): KubeObject {
    const obj = JSON.parse(value.toString('utf8')) as KubeObject;
    obj.metadata = obj.metadata ?? {};
    obj.metadata.resourceVersion = String(rev);
    return obj;
  }

  decodeKv(kv: KeyValue): KubeObject {
    return this.decode(kv.value, kv.modRevision);
  }

  encode(obj: KubeObject): Buffer {
    const { resourceVersion: _rv, ...meta } = obj.metadata;
    return Buffer.from(JSON.stringify({ ...obj, metadata: meta }));
  }

  async get(info: ResourceInfo, namespace: string, name: string): Promise<Stored | undefined> {
    const kv = await this.store.get(this.key(info, namespace, name));
    return kv ? { obj: this.decodeKv(kv), rev: kv.modRevision } : undefined;
  }

  async mustGet(info: ResourceInfo, namespace: string, name: string): Promise<Stored> {
    const s = await this.get(info, namespace, name);
    if (!s) throw notFound(info.resource, name, info.group);
    return s;
  }

  /**
   * Reads the object, lets `mutate` decide what to write (undefined = nothing), and writes it
   * with CAS on the revision read; on a lost race it starts over, unless expectedRev was given
   * (a client's resourceVersion), which makes a stale read a 409 Conflict. The first read is the
   * watch cache's copy when there is one: only a write is decided on it; a lost race, a refusal
   * (mutate throws), a no-op or a revision other than expectedRev are decided again on a read
   * from etcd.
   */
  async guaranteedUpdate(
    info: ResourceInfo,
    namespace: string,
    name: string,
    mutate: (cur: KubeObject, rev: number) => Promise<Mutation | undefined> | Mutation | undefined,
    expectedRev?: number,
  ): Promise<KubeObject> {
    const key = this.key(info, namespace, name);
    let cached = this.cached?.(info, key);
    for (let attempt = 0; ; attempt++) {
      const fromCache = cached !== undefined;
      const cur = cached ?? (await this.mustGetRaw(info, key, name));
      cached = undefined;
      if (expectedRev !== undefined && cur.rev !== expectedRev) {
        if (fromCache) continue;
        throw conflict(info.resource, name, info.group);
      }
      let m: Mutation | undefined;
      try {
        m = await mutate(this.decode(cur.raw, cur.rev), cur.rev);
      } catch (err) {
        if (fromCache) continue;
        throw err;
      }
      const value = m && !m.delete ? (m.value ?? this.encode(m.obj)) : undefined;
      if (!m || (value && !m.extraOps?.length && value.equals(cur.raw))) {
        if (fromCache) continue;
        return this.decode(cur.raw, cur.rev);
      }
      const main: TxnOp = m.delete
        ? { type: 'delete', key, modRevision: cur.rev }
        : { type: 'update', key, value: value!, modRevision: cur.rev, ttlSeconds: this.ttl(info) };
      try {
        const rev = await this.txn([main, ...(m.extraOps ?? [])]);
        m.obj.metadata.resourceVersion = String(rev);
        return m.obj;
      } catch (err) {
        const lostRace = err instanceof RevisionConflictError || err instanceof KeyExistsError;
        if (!lostRace) throw err;
        if (fromCache && err.key === key) continue;
        if (err.key === key && expectedRev !== undefined) throw conflict(info.resource, name, info.group);
        if (attempt >= MAX_RETRIES) throw conflict(info.resource, name, info.group);
      }
    }
  }

  private async mustGetRaw(info: ResourceInfo, key: string, name: string): Promise<CachedValue> {
    const kv = await this.store.get(key);
    if (!kv) throw notFound(info.resource, name, info.group);
    return { raw: kv.value, rev: kv.modRevision };
  }
}

/** The content that makes generation move: everything except metadata and status. */
export function specOf(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(canonical(rest));
}

export function hasStatus(info: ResourceInfo): boolean {
  return info.subresources.some((s) => s.name === 'status');
}

/** Parses a resourceVersion ("" → undefined); anything but a non-negative integer is a 400. */
export function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) throw new ApiError('BadRequest', `invalid resource version: ${JSON.stringify(rv)}`);
  return Number(rv);
}
