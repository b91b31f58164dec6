/** Fakes for the scheduler's seams: a cache driven by the test, a queue, and an API that records binds. */
import pino from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeObject, Node, Pod } from '@kubelab/api';
import { objectKey, type Handlers } from '@kubelab/client';
import type { Cache, KeyQueue, SchedulerApi } from '../api.js';

export const silentLog = pino({ level: 'silent' });

export class MapCache<T extends KubeObject> implements Cache<T> {
  readonly items = new Map<string, T>();
  private readonly handlers: Handlers<T>[] = [];

  get(key: string): T | undefined {
    return this.items.get(key);
  }
  list(): T[] {
    return [...this.items.values()];
  }
  addHandlers(h: Handlers<T>): void {
    this.handlers.push(h);
  }
  hasSynced(): boolean {
    return true;
  }
  waitForSync(): Promise<void> {
    return Promise.resolve();
  }
  /** Adds or replaces an object, calling the handlers like an informer. */
  set(obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const h of this.handlers) (old ? h.update?.(old, obj) : h.add?.(obj));
  }
  remove(key: string): void {
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    for (const h of this.handlers) h.delete?.(old);
  }
}

export class ManualQueue implements KeyQueue {
  readonly keys = new Set<string>();
  readonly delayed: { key: string; ms: number }[] = [];
  add(key: string): void {
    this.keys.add(key);
  }
  addAfter(key: string, ms: number): void {
    this.delayed.push({ key, ms });
  }
  take(): string | undefined {
    const k = this.keys.values().next();
    if (k.done) return undefined;
    this.keys.delete(k.value);
    return k.value;
  }
}

export class FakeSchedulerApi implements SchedulerApi {
  readonly binds: { namespace: string; name: string; node: string; uid: string }[] = [];
  readonly statusWrites: Pod[] = [];
  failBind: ApiError | undefined;

  async bind(namespace: string, name: string, nodeName: string, podUid = ''): Promise<KubeObject> {
    if (this.failBind) throw this.failBind;
    this.binds.push({ namespace, name, node: nodeName, uid: podUid });
    return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } };
  }

  async updateStatus<T extends KubeObject>(_resource: string, obj: T): Promise<T> {
    this.statusWrites.push(structuredClone(obj) as unknown as Pod);
    return obj;
  }

  readonly updates: { resource: string; obj: KubeObject }[] = [];
  /** Where update() writes go (a test's MapCache), like an informer following the write. */
  onUpdate: ((resource: string, obj: KubeObject) => void) | undefined;

  async update<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    this.updates.push({ resource, obj: structuredClone(obj) });
    this.onUpdate?.(resource, obj);
    return obj;
  }

  placements(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const b of this.binds) out[b.node] = (out[b.node] ?? 0) + 1;
    return out;
  }
}

export function node(name: string, opts: { ready?: 'True' | 'False' | 'Unknown' | null; unschedulable?: boolean; labels?: Record<string, string>; allocatable?: Record<string, string>; taints?: unknown[] } = {}): Node {
  const n: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } }, spec: {}, status: {} };
  if (opts.unschedulable) n.spec!.unschedulable = true;
  if (opts.taints) n.spec!.taints = opts.taints;
  const ready = opts.ready === undefined ? 'True' : opts.ready;
  if (ready !== null) n.status!.conditions = [{ type: 'Ready', status: ready }];
  n.status!.allocatable = opts.allocatable ?? { cpu: '2', memory: '4Gi', pods: '110' };
  return n;
}

let uidSeq = 0;

export function pod(name: string, extra: Partial<Pod['spec']> = {}, owner?: string): Pod {
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}-${++uidSeq}` }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra } };
  if (owner) p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `rs-${owner}`, controller: true }];
  return p;
}

export function withRequests(p: Pod, cpu?: string, memory?: string): Pod {
  const requests: Record<string, string> = {};
  if (cpu) requests.cpu = cpu;
  if (memory) requests.memory = memory;
  p.spec.containers[0]!.resources = { requests };
  return p;
}
