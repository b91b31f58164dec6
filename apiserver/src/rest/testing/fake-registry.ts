/**
 * An in-memory Registry for tests of the REST facade: a Map of objects, a global revision
 * counter, an event history for watches from a resourceVersion, and just enough validation and
 * defaulting to exercise error rendering (Deployment spec.selector, names, namespaces).
 */
import { randomUUID } from 'node:crypto';
import {
  checkSubdomain,
  generateName,
  matches,
  matchesFields,
  parseFieldSelector,
  parseLabelSelector,
  resourceInfo,
  rfc3339,
  type KubeObject,
  type ResourceInfo,
} from '@kubelab/api';
import { alreadyExists, ApiError, conflict, notFound } from '@kubelab/proto';
import type { DeleteOpts, ListPage, ListQuery, Registry, RegistryEvent, WatchQuery, WriteOptions } from '../../registry/types.js';

interface HistoryEntry {
  rev: number;
  resource: string;
  event: RegistryEvent;
}

interface Watcher {
  resource: string;
  push(e: HistoryEntry): void;
}

function infoOf(resource: string): ResourceInfo {
  const info = resourceInfo(resource);
  if (!info) throw new ApiError('NotFound', `the server could not find the requested resource (${resource})`);
  return info;
}

function invalid(info: ResourceInfo, name: string, field: string, reason: string, message: string): ApiError {
  const kind = info.group ? `${info.kind}.${info.group}` : info.kind;
  return new ApiError('Invalid', `${kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    group: info.group || undefined,
    kind: info.kind,
    causes: [{ reason, message, field }],
  });
}

const clone = <T>(v: T): T => structuredClone(v);

export class FakeRegistry implements Registry {
  private rev = 0;
  private compactedRev = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private nextIp = 10;
  private nextNodePort = 30000;
  /** Every write call, for assertions: "create pods default/web". */
  readonly calls: string[] = [];

  private key(resource: string, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  /** Watches currently open (their consumers have not gone away yet). */
  get activeWatches(): number {
    return this.watchers.size;
  }

  get revision(): number {
    return this.rev;
  }

  /** Forgets history up to the current revision: older resourceVersions become Expired. */
  compact(): void {
    this.compactedRev = this.rev;
    this.history.length = 0;
  }

  /** Objects stored for a resource (test helper). */
  stored(resource: string): KubeObject[] {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${resource}/`)).map(([, v]) => clone(v));
  }

  private emit(resource: string, event: RegistryEvent): void {
    const entry: HistoryEntry = { rev: this.rev, resource, event: { type: event.type, object: clone(event.object) } };
    this.history.push(entry);
    for (const w of this.watchers) if (w.resource === resource) w.push(entry);
  }

  private validate(info: ResourceInfo, obj: KubeObject): void {
    const name = obj.metadata.name ?? '';
    const why = checkSubdomain(name);
    if (why) throw invalid(info, name, 'metadata.name', 'FieldValueInvalid', `Invalid value: "${name}": ${why}`);
    if (info.resource === 'deployments' || info.resource === 'replicasets') {
      const spec = (obj.spec ?? {}) as Record<string, unknown>;
      if (!spec['selector']) throw invalid(info, name, 'spec.selector', 'FieldValueRequired', 'Required value');
      const replicas = spec['replicas'];
      if (typeof replicas === 'number' && replicas < 0) {
        throw invalid(info, name, 'spec.replicas', 'FieldValueInvalid', `Invalid value: ${replicas}: must be greater than or equal to 0`);
      }
    }
  }

  private defaults(info: ResourceInfo, obj: KubeObject): void {
    if (info.resource === 'namespaces') obj.status = { phase: 'Active', ...((obj.status ?? {}) as object) };
    if (info.resource === 'services') {
      const spec = (obj.spec ?? {}) as Record<string, unknown>;
      spec['type'] ??= 'ClusterIP';
      if (spec['type'] !== 'ExternalName' && !spec['clusterIP']) spec['clusterIP'] = `10.244.128.${this.nextIp++}`;
      if (spec['type'] === 'NodePort' || spec['type'] === 'LoadBalancer') {
        for (const p of (spec['ports'] ?? []) as Record<string, unknown>[]) p['nodePort'] ??= this.nextNodePort++;
      }
      obj.spec = spec;
    }
  }

  async create(resource: string, namespace: string, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const info = infoOf(resource);
    const obj = clone(input);
    obj.metadata = { ...obj.metadata };
    if (info.namespaced) {
      obj.metadata.namespace = namespace;
      if (!this.objects.has(this.key('namespaces', '', namespace))) throw notFound('namespaces', namespace);
    } else delete obj.metadata.namespace;
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = generateName(obj.metadata.generateName);
    if (!obj.metadata.name) throw invalid(info, '', 'metadata.name', 'FieldValueRequired', 'Required value: name or generateName is required');
    this.validate(info, obj);
    const key = this.key(resource, info.namespaced ? namespace : '', obj.metadata.name);
    if (this.objects.has(key)) throw alreadyExists(resource, obj.metadata.name, info.group);
    this.defaults(info, obj);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = rfc3339();
    obj.metadata.generation = 1;
    if (opts.dryRun) return obj;
    this.calls.push(`create ${resource} ${namespace}/${obj.metadata.name}`);
    obj.metadata.resourceVersion = String(++this.rev);
    this.objects.set(key, obj);
    this.emit(resource, { type: 'ADDED', object: obj });
    return clone(obj);
  }

  async get(resource: string, namespace: string, name: string): Promise<KubeObject> {
    const info = infoOf(resource);
    const obj = this.objects.get(this.key(resource, info.namespaced ? namespace : '', name));
    if (!obj) throw notFound(resource, name, info.group);
    return clone(obj);
  }

  private matching(resource: string, q: ListQuery): KubeObject[] {
    const labels = parseLabelSelector(q.labelSelector);
    const fields = parseFieldSelector(q.fieldSelector);
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(`${resource}/`))
      .map(([, o]) => o)
      .filter((o) => !q.namespace || o.metadata.namespace === q.namespace)
      .filter((o) => matches(labels, o.metadata.labels) && matchesFields(fields, o))
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  async list(resource: string, q: ListQuery): Promise<ListPage> {
    infoOf(resource);
    const all = this.matching(resource, q);
    const start = q.continue ? Number(Buffer.from(q.continue, 'base64').toString('utf8')) || 0 : 0;
    const end = q.limit ? start + q.limit : all.length;
    const cont = end < all.length ? Buffer.from(String(end)).toString('base64') : '';
    return { items: clone(all.slice(start, end)), resourceVersion: String(this.rev), continue: cont };
  }

  private existing(resource: string, namespace: string, name: string): { info: ResourceInfo; key: string; old: KubeObject } {
    const info = infoOf(resource);
    const key = this.key(resource, info.namespaced ? namespace : '', name);
    const old = this.objects.get(key);
    if (!old) throw notFound(resource, name, info.group);
    return { info, key, old };
  }

  async update(resource: string, namespace: string, name: string, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const { info, key, old } = this.existing(resource, namespace, name);
    const rv = input.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw conflict(resource, name, info.group);
    const obj = clone(input);
    obj.metadata = { ...obj.metadata, name, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp, generation: old.metadata.generation ?? 1 };
    if (info.namespaced) obj.metadata.namespace = namespace;
    this.validate(info, obj);
    if ('status' in old) obj.status = clone(old.status);
    else delete obj.status;
    if (JSON.stringify(obj.spec) !== JSON.stringify(old.spec)) obj.metadata.generation = (old.metadata.generation ?? 1) + 1;
    if (opts.dryRun) return obj;
    this.calls.push(`update ${resource} ${namespace}/${name}`);
    obj.metadata.resourceVersion = String(++this.rev);
    this.objects.set(key, obj);
    this.emit(resource, { type: 'MODIFIED', object: obj });
    return clone(obj);
  }

  async updateStatus(resource: string, namespace: string, name: string, input: KubeObject): Promise<KubeObject> {
    const { info, key, old } = this.existing(resource, namespace, name);
    const rv = input.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw conflict(resource, name, info.group);
    const obj = clone(old);
    obj.status = clone(input.status);
    this.calls.push(`updateStatus ${resource} ${namespace}/${name}`);
    obj.metadata.resourceVersion = String(++this.rev);
    this.objects.set(key, obj);
    this.emit(resource, { type: 'MODIFIED', object: obj });
    return clone(obj);
  }

  async delete(resource: string, namespace: string, name: string, opts: DeleteOpts = {}): Promise<KubeObject> {
    const { info, key, old } = this.existing(resource, namespace, name);
    if (opts.preconditionUid && opts.preconditionUid !== old.metadata.uid) {
      throw conflict(resource, name, info.group, `Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    }
    if (opts.preconditionResourceVersion && opts.preconditionResourceVersion !== old.metadata.resourceVersion) {
      throw conflict(resource, name, info.group, `Precondition failed: ResourceVersion in precondition: ${opts.preconditionResourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ''}`);
    }
    this.calls.push(`delete ${resource} ${namespace}/${name} ${opts.propagationPolicy ?? ''}`.trim());
    this.objects.delete(key);
    const gone = clone(old);
    gone.metadata.resourceVersion = String(++this.rev);
    this.emit(resource, { type: 'DELETED', object: gone });
    return clone(gone);
  }

  async bind(namespace: string, name: string, nodeName: string, podUid?: string): Promise<KubeObject> {
    const { key, old } = this.existing('pods', namespace, name);
    if (podUid && podUid !== old.metadata.uid) throw conflict('pods', name, '', `Precondition failed: UID in precondition: ${podUid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    const spec = (old.spec ?? {}) as Record<string, unknown>;
    if (spec['nodeName']) throw conflict('pods', name, '', `pod ${name} is already assigned to node "${String(spec['nodeName'])}"`);
    const obj = clone(old);
    obj.spec = { ...spec, nodeName };
    this.calls.push(`bind pods ${namespace}/${name} ${nodeName}`);
    obj.metadata.resourceVersion = String(++this.rev);
    this.objects.set(key, obj);
    this.emit('pods', { type: 'MODIFIED', object: obj });
    return clone(obj);
  }

  watch(resource: string, q: WatchQuery, signal: AbortSignal): AsyncIterable<RegistryEvent> {
    const self = this;
    return (async function* (): AsyncGenerator<RegistryEvent> {
      infoOf(resource);
      const labels = parseLabelSelector(q.labelSelector);
      const fields = parseFieldSelector(q.fieldSelector);
      const wanted = (o: KubeObject): boolean => (!q.namespace || o.metadata.namespace === q.namespace) && matches(labels, o.metadata.labels) && matchesFields(fields, o);

      const queue: HistoryEntry[] = [];
      let wake: (() => void) | undefined;
      const watcher: Watcher = {
        resource,
        push(e) {
          queue.push(e);
          wake?.();
        },
      };
      const rv = q.resourceVersion ?? '';
      if (rv === '' || rv === '0') {
        for (const o of self.matching(resource, q)) queue.push({ rev: self.rev, resource, event: { type: 'ADDED', object: clone(o) } });
      } else {
        const since = Number(rv);
        if (!Number.isFinite(since)) throw new ApiError('BadRequest', `invalid resource version: ${rv}`);
        if (since < self.compactedRev) throw new ApiError('Expired', `too old resource version: ${rv} (${self.compactedRev})`);
        for (const e of self.history) if (e.resource === resource && e.rev > since) queue.push(e);
      }
      self.watchers.add(watcher);
      const onAbort = (): void => wake?.();
      signal.addEventListener('abort', onAbort);
      const timer = q.timeoutSeconds ? setTimeout(onAbort, q.timeoutSeconds * 1000) : undefined;
      const deadline = q.timeoutSeconds ? Date.now() + q.timeoutSeconds * 1000 : Infinity;
      try {
        for (;;) {
          while (queue.length > 0) {
            const e = queue.shift()!;
            if (wanted(e.event.object)) yield { type: e.event.type, object: clone(e.event.object) };
          }
          if (signal.aborted || Date.now() >= deadline) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        self.watchers.delete(watcher);
      }
    })();
  }
}

