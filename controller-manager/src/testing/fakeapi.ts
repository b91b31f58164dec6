/**
 * An in-memory apiserver for unit tests: revisions, generation bumps on spec changes, compare-
 * and-swap on resourceVersion, graceful pod deletion, finalizers (foregroundDeletion, Orphan
 * stripping), and watch. Every call is logged in `calls`; `onRequest` can throw to inject errors.
 */
import { ApiError, conflict, notFound, alreadyExists, type WatchEventType } from '@kubelab/proto';
import { matches, matchesFields, parseFieldSelector, parseLabelSelector, resourceInfo, rfc3339, type Clock, type KubeObject, type Pod } from '@kubelab/api';
import type { DeleteOptions, Event, ListOptions, ListResult, WatchOptions } from '@kubelab/client';
import type { ApiLike } from '../api.js';

export class FakeClock implements Clock {
  constructor(public ms = Date.UTC(2024, 0, 1, 0, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Call {
  verb: 'create' | 'get' | 'list' | 'update' | 'updateStatus' | 'delete' | 'watch';
  resource: string;
  namespace: string;
  name: string;
  object?: KubeObject;
  options?: DeleteOptions;
}

export type Listener = (resource: string, type: WatchEventType, obj: KubeObject) => void;

interface LogEntry {
  rev: number;
  resource: string;
  type: WatchEventType;
  object: KubeObject;
}

const clone = <T>(v: T): T => structuredClone(v);

function storeKey(resource: string, namespace: string, name: string): string {
  return `${resource}|${namespace}/${name}`;
}

export class FakeApi implements ApiLike {
  private rev = 0;
  private compactedRev = 0;
  private seq = 0;
  private readonly store = new Map<string, KubeObject>();
  private readonly history: LogEntry[] = [];
  private readonly listeners = new Set<Listener>();
  readonly calls: Call[] = [];
  /** Called before every request; throw from it to make the request fail. */
  onRequest: ((call: Call) => void) | undefined;

  constructor(readonly clock: FakeClock = new FakeClock()) {}

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Current objects of a resource (optionally one namespace), sorted by namespace/name. */
  objects<T extends KubeObject>(resource: string, namespace?: string): T[] {
    const out: T[] = [];
    for (const [k, o] of this.store) {
      if (!k.startsWith(`${resource}|`)) continue;
      if (namespace !== undefined && (o.metadata.namespace ?? '') !== namespace) continue;
      out.push(clone(o) as T);
    }
    return out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  /** The stored object or undefined (no call logged). */
  peek<T extends KubeObject>(resource: string, namespace: string, name: string): T | undefined {
    const o = this.store.get(storeKey(resource, namespace, name));
    return o ? (clone(o) as T) : undefined;
  }

  count(verb: Call['verb'], resource: string): number {
    return this.calls.filter((c) => c.verb === verb && c.resource === resource).length;
  }

  private record(call: Call): void {
    this.calls.push(call);
    this.onRequest?.(call);
  }

  private emit(resource: string, type: WatchEventType, obj: KubeObject): void {
    const object = clone(obj);
    this.history.push({ rev: this.rev, resource, type, object });
    for (const l of [...this.listeners]) l(resource, type, clone(object));
  }

  private namespaced(resource: string): boolean {
    return resourceInfo(resource)?.namespaced ?? true;
  }

  private kindOf(resource: string): { apiVersion: string; kind: string } | undefined {
    const info = resourceInfo(resource);
    if (!info) return undefined;
    return { apiVersion: info.group ? `${info.group}/${info.version}` : info.version, kind: info.kind };
  }

  async create<T extends KubeObject>(resource: string, obj: T, namespace = obj.metadata.namespace ?? ''): Promise<T> {
    const ns = this.namespaced(resource) ? namespace || 'default' : '';
    this.record({ verb: 'create', resource, namespace: ns, name: obj.metadata.name ?? obj.metadata.generateName ?? '', object: clone(obj) });
    const o = clone(obj) as KubeObject;
    if (!o.metadata.name) {
      if (!o.metadata.generateName) throw new ApiError('Invalid', 'metadata.name: Required value: name or generateName is required');
      o.metadata.name = `${o.metadata.generateName}${(++this.seq).toString(36).padStart(5, '0')}`;
    }
    const key = storeKey(resource, ns, o.metadata.name);
    if (this.store.has(key)) throw alreadyExists(resource, o.metadata.name);
    const tk = this.kindOf(resource);
    if (tk) {
      o.apiVersion ??= tk.apiVersion;
      o.kind ??= tk.kind;
    }
    if (ns) o.metadata.namespace = ns;
    else delete o.metadata.namespace;
    o.metadata.uid = `uid-${++this.seq}`;
    o.metadata.resourceVersion = String(++this.rev);
    o.metadata.generation = 1;
    o.metadata.creationTimestamp = rfc3339(this.clock.now());
    delete o.metadata.deletionTimestamp;
    this.store.set(key, o);
    this.emit(resource, 'ADDED', o);
    return clone(o) as T;
  }

  async get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T> {
    this.record({ verb: 'get', resource, namespace, name });
    const o = this.store.get(storeKey(resource, namespace, name));
    if (!o) throw notFound(resource, name);
    return clone(o) as T;
  }

  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    this.record({ verb: 'list', resource, namespace: opts.namespace ?? '', name: '' });
    const sel = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector);
    const items = this.objects<T>(resource, opts.namespace || undefined).filter((o) => matches(sel, o.metadata.labels) && matchesFields(fields, o));
    return { items, resourceVersion: String(this.rev), continue: '' };
  }

  private current(resource: string, obj: KubeObject): { key: string; old: KubeObject } {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    const key = storeKey(resource, ns, name);
    const old = this.store.get(key);
    if (!old) throw notFound(resource, name);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(resource, name);
    return { key, old };
  }

  /** Stores `next` as the new version, or removes it when deletion is pending and no finalizer is left. */
  private commit(resource: string, key: string, next: KubeObject): KubeObject {
    next.metadata.resourceVersion = String(++this.rev);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && !this.awaitsKubelet(resource, next)) {
      this.store.delete(key);
      this.emit(resource, 'DELETED', next);
      return next;
    }
    this.store.set(key, next);
    this.emit(resource, 'MODIFIED', next);
    return next;
  }

  /** A bound pod marked for graceful deletion stays until the kubelet (or a grace-0 delete) removes it. */
  private awaitsKubelet(resource: string, obj: KubeObject): boolean {
    return resource === 'pods' && !!(obj as Pod).spec?.nodeName && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0;
  }

  async update<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    this.record({ verb: 'update', resource, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', object: clone(obj) });
    const { key, old } = this.current(resource, obj);
    const next = clone(obj) as KubeObject;
    if (old.status === undefined) delete next.status;
    else next.status = clone(old.status);
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (old.metadata[f] === undefined) delete next.metadata[f];
      else (next.metadata as Record<string, unknown>)[f] = old.metadata[f];
    }
    if ('spec' in old || 'spec' in next) {
      if (JSON.stringify(old.spec) !== JSON.stringify(next.spec)) next.metadata.generation = (old.metadata.generation ?? 1) + 1;
    }
    return clone(this.commit(resource, key, next)) as T;
  }

  async updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    this.record({ verb: 'updateStatus', resource, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', object: clone(obj) });
    const { key, old } = this.current(resource, obj);
    const next = clone(old);
    next.status = clone(obj.status);
    return clone(this.commit(resource, key, next)) as T;
  }

  async delete<T extends KubeObject = KubeObject>(resource: string, namespace: string, name: string, opts: DeleteOptions = {}): Promise<T> {
    this.record({ verb: 'delete', resource, namespace, name, options: { ...opts } });
    const key = storeKey(resource, namespace, name);
    const old = this.store.get(key);
    if (!old) throw notFound(resource, name);
    if (opts.preconditionUid && opts.preconditionUid !== old.metadata.uid)
      throw conflict(resource, name, '', `Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${old.metadata.uid}`);
    const next = clone(old);
    const now = rfc3339(this.clock.now());
    if (opts.propagationPolicy === 'Orphan') this.orphanDependents(old.metadata.uid ?? '');
    if (opts.propagationPolicy === 'Foreground') {
      next.metadata.deletionTimestamp ??= now;
      next.metadata.finalizers = [...new Set([...(next.metadata.finalizers ?? []), 'foregroundDeletion'])];
      return clone(this.commit(resource, key, next)) as T;
    }
    if (resource === 'pods' && (old as Pod).spec?.nodeName && opts.gracePeriodSeconds !== 0) {
      const grace = opts.gracePeriodSeconds ?? (old as Pod).spec.terminationGracePeriodSeconds ?? 30;
      if (!old.metadata.deletionTimestamp || grace < (old.metadata.deletionGracePeriodSeconds ?? Infinity)) {
        next.metadata.deletionTimestamp = now;
        next.metadata.deletionGracePeriodSeconds = grace;
        return clone(this.commit(resource, key, next)) as T;
      }
      return clone(old) as T;
    }
    if ((old.metadata.finalizers ?? []).length > 0) {
      next.metadata.deletionTimestamp ??= now;
      if (resource === 'pods') next.metadata.deletionGracePeriodSeconds = 0;
      return clone(this.commit(resource, key, next)) as T;
    }
    this.store.delete(key);
    next.metadata.resourceVersion = String(++this.rev);
    this.emit(resource, 'DELETED', next);
    return clone(next) as T;
  }

  private orphanDependents(uid: string): void {
    for (const [key, o] of [...this.store]) {
      const refs = o.metadata.ownerReferences ?? [];
      if (!refs.some((r) => r.uid === uid)) continue;
      const next = clone(o);
      next.metadata.ownerReferences = refs.filter((r) => r.uid !== uid);
      this.commit(key.slice(0, key.indexOf('|')), key, next);
    }
  }

  /** Test helper: what the kubelet does when a pod's containers are gone. */
  async finishPodDeletion(namespace: string, name: string): Promise<void> {
    const key = storeKey('pods', namespace, name);
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    const next = clone(old);
    next.metadata.resourceVersion = String(++this.rev);
    this.emit('pods', 'DELETED', next);
  }

  async *watch<T extends KubeObject>(resource: string, opts: WatchOptions, signal: AbortSignal): AsyncGenerator<Event<T>> {
    this.record({ verb: 'watch', resource, namespace: opts.namespace ?? '', name: '' });
    const sel = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector);
    const wanted = (r: string, o: KubeObject): boolean =>
      r === resource && (!opts.namespace || o.metadata.namespace === opts.namespace) && matches(sel, o.metadata.labels) && matchesFields(fields, o);
    const pending: Event<T>[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.subscribe((r, type, o) => {
      if (!wanted(r, o)) return;
      pending.push({ type, object: o as T });
      wake?.();
    });
    const rv = opts.resourceVersion ?? '';
    let initial: Event<T>[];
    if (rv === '' || rv === '0') {
      initial = this.objects<T>(resource, opts.namespace || undefined)
        .filter((o) => wanted(resource, o))
        .map((o) => ({ type: 'ADDED' as const, object: o }));
    } else {
      if (Number(rv) < this.compactedRev) {
        unsubscribe();
        throw new ApiError('Expired', `too old resource version: ${rv} (${this.compactedRev})`);
      }
      initial = this.history.filter((e) => e.rev > Number(rv) && wanted(e.resource, e.object)).map((e) => ({ type: e.type, object: clone(e.object) as T }));
    }
    pending.unshift(...initial);
    const onAbort = (): void => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const ev = pending.shift();
        if (ev) {
          yield ev;
          continue;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Drops the history older than the current revision (watches from before it get Expired). */
  compact(): void {
    this.history.length = 0;
    this.compactedRev = this.rev;
  }
}
