/**
 * In-memory stand-ins for the apiserver side (KubeletApi, PodSource), a manual clock and a
 * silent logger, for unit tests.
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { alreadyExists, conflict, notFound, ApiError } from '@kubelab/proto';
import { matchesFields, parseFieldSelector, type Clock, type ContainerStatus, type KubeObject, type Pod, type PodStatus } from '@kubelab/api';
import type { DeleteOptions, Handlers } from '@kubelab/client';
import type { KubeletApi, PodSource } from '../api.js';

export class ManualClock implements Clock {
  constructor(public ms = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export interface Call {
  method: string;
  resource: string;
  namespace: string;
  name: string;
  opts?: DeleteOptions;
}

/** A tiny apiserver: objects by resource/namespace/name, CAS on resourceVersion, call log, injectable failures. */
export class FakeApi implements KubeletApi {
  private readonly store = new Map<string, KubeObject>();
  private rv = 100;
  readonly calls: Call[] = [];
  /** Errors thrown by the next call of a method (FIFO per method). */
  readonly failures = new Map<string, ApiError[]>();

  private key(resource: string, ns: string, name: string): string {
    return `${resource}/${ns}/${name}`;
  }

  private enter(method: string, resource: string, namespace: string, name: string, opts?: DeleteOptions): void {
    const c: Call = { method, resource, namespace, name };
    if (opts) c.opts = opts;
    this.calls.push(c);
    const q = this.failures.get(method);
    const err = q?.shift();
    if (err) throw err;
  }

  fail(method: string, err: ApiError): void {
    const q = this.failures.get(method) ?? [];
    q.push(err);
    this.failures.set(method, q);
  }

  count(method: string, resource?: string): number {
    return this.calls.filter((c) => c.method === method && (resource === undefined || c.resource === resource)).length;
  }

  /** Puts an object as is (assigning uid/resourceVersion when missing); returns the stored copy. */
  put<T extends KubeObject>(resource: string, obj: T): T {
    const copy = structuredClone(obj);
    copy.metadata.uid ??= randomUUID();
    copy.metadata.resourceVersion = String(++this.rv);
    copy.metadata.creationTimestamp ??= '2026-01-01T00:00:00Z';
    this.store.set(this.key(resource, copy.metadata.namespace ?? '', copy.metadata.name ?? ''), copy);
    return structuredClone(copy);
  }

  peek<T extends KubeObject>(resource: string, ns: string, name: string): T | undefined {
    const o = this.store.get(this.key(resource, ns, name));
    return o ? (structuredClone(o) as T) : undefined;
  }

  remove(resource: string, ns: string, name: string): void {
    this.store.delete(this.key(resource, ns, name));
  }

  list<T extends KubeObject>(resource: string, fieldSelector = ''): T[] {
    const reqs = parseFieldSelector(fieldSelector);
    return [...this.store.entries()]
      .filter(([k, o]) => k.startsWith(`${resource}/`) && matchesFields(reqs, o))
      .map(([, o]) => structuredClone(o) as T);
  }

  get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T> {
    this.enter('get', resource, namespace, name);
    const o = this.peek<T>(resource, namespace, name);
    return o ? Promise.resolve(o) : Promise.reject(notFound(resource, name));
  }

  create<T extends KubeObject>(resource: string, obj: T, namespace = obj.metadata.namespace ?? ''): Promise<T> {
    const name = obj.metadata.name ?? '';
    this.enter('create', resource, namespace, name);
    if (this.store.has(this.key(resource, namespace, name))) return Promise.reject(alreadyExists(resource, name));
    if (resource === 'leases' && !this.store.has(this.key('namespaces', '', namespace))) {
      return Promise.reject(notFound('namespaces', namespace));
    }
    return Promise.resolve(this.put(resource, { ...obj, metadata: { ...obj.metadata, namespace: namespace || undefined } }));
  }

  private write<T extends KubeObject>(method: string, resource: string, obj: T, statusOnly: boolean): Promise<T> {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    this.enter(method, resource, ns, name);
    const cur = this.store.get(this.key(resource, ns, name));
    if (!cur) return Promise.reject(notFound(resource, name));
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) return Promise.reject(conflict(resource, name));
    const next = (statusOnly ? { ...structuredClone(cur), status: structuredClone(obj.status) } : { ...structuredClone(obj), status: structuredClone(cur.status) }) as T;
    next.metadata = { ...(statusOnly ? cur.metadata : obj.metadata), uid: cur.metadata.uid };
    return Promise.resolve(this.put(resource, next));
  }

  update<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.write('update', resource, obj, false);
  }

  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.write('updateStatus', resource, obj, true);
  }

  delete<T extends KubeObject = KubeObject>(resource: string, namespace: string, name: string, opts: DeleteOptions = {}): Promise<T> {
    this.enter('delete', resource, namespace, name, opts);
    const cur = this.store.get(this.key(resource, namespace, name));
    if (!cur) return Promise.reject(notFound(resource, name));
    if (opts.preconditionUid && opts.preconditionUid !== cur.metadata.uid) {
      return Promise.reject(
        new ApiError('Conflict', `Operation cannot be fulfilled on ${resource} "${name}": Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${cur.metadata.uid ?? ''}`),
      );
    }
    this.store.delete(this.key(resource, namespace, name));
    return Promise.resolve(structuredClone(cur) as T);
  }
}

/** A FakeApi that remembers every pod status written, so short-lived states can be asserted. */
export class RecordingApi extends FakeApi {
  readonly written: { name: string; status: PodStatus; at: number }[] = [];

  override updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    if (resource === 'pods') this.written.push({ name: obj.metadata.name ?? '', status: structuredClone((obj as unknown as Pod).status ?? {}), at: Date.now() });
    return super.updateStatus(resource, obj);
  }

  /** The statuses written for one container of one pod, oldest first. */
  containerHistory(pod: string, container: string): ContainerStatus[] {
    return this.written.filter((w) => w.name === pod).flatMap((w) => w.status.containerStatuses?.filter((c) => c.name === container) ?? []);
  }
}

/** A PodSource over a FakeApi: list() reads the store (spec.nodeName=node), like a perfectly fresh informer. */
export class FakePods implements PodSource {
  synced = true;
  readonly handlers: Handlers<Pod>[] = [];

  constructor(
    private readonly api: FakeApi,
    private readonly node: string,
  ) {}

  list(): Pod[] {
    return this.api.list<Pod>('pods', `spec.nodeName=${this.node}`);
  }
  hasSynced(): boolean {
    return this.synced;
  }
  waitForSync(): Promise<void> {
    return Promise.resolve();
  }
  addHandlers(h: Handlers<Pod>): void {
    this.handlers.push(h);
  }
  run(signal: AbortSignal): Promise<void> {
    return new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
  }
}

let podSeq = 0;

/** A minimal pod bound to `node`. */
export function makePod(name: string, node: string, spec: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  podSeq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `0000${podSeq}-aaaa-bbbb-cccc-${String(podSeq).padStart(12, '0')}`, ...meta },
    spec: { nodeName: node, restartPolicy: 'Always', terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'img:1' }], ...spec },
  };
}
