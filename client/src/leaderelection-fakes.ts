/**
 * Fakes for the leader election's unit tests: a manual clock whose sleeps fire when advanced, and
 * an in-memory Lease store with the apiserver's optimistic concurrency (AlreadyExists, Conflict,
 * NotFound) that can be made unavailable or unresponsive per caller.
 */
import { ApiError } from '@kubelab/proto';
import type { KubeObject, Lease } from '@kubelab/api';
import type { ElectionTime } from './leaderelection.js';
import type { LeaseApi } from './leaderelection-lock.js';

/** Lets pending promise chains run. */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

interface Sleeper {
  id: number;
  at: number;
  wake: () => void;
}

export class ManualTime implements ElectionTime {
  ms = 1_700_000_000_000;
  private seq = 0;
  private readonly sleepers = new Map<number, Sleeper>();

  now(): number {
    return this.ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const id = ++this.seq;
      const wake = (): void => {
        this.sleepers.delete(id);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.sleepers.set(id, { id, at: this.ms + Math.max(0, ms), wake });
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  /** Moves time forward, waking every sleeper that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.ms + ms;
    await flush();
    for (;;) {
      const next = [...this.sleepers.values()].filter((s) => s.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      if (next.at > this.ms) this.ms = next.at;
      next.wake();
      await flush();
    }
    this.ms = end;
    await flush();
  }

  /** Advances in steps until check() holds; returns the time it took (fails past maxMs). */
  async until(check: () => boolean, maxMs: number, stepMs = 100): Promise<number> {
    const start = this.ms;
    while (!check()) {
      if (this.ms - start > maxMs) throw new Error(`condition not met within ${maxMs} ms of fake time`);
      await this.advance(stepMs);
    }
    return this.ms - start;
  }
}

type Mode = 'ok' | 'unavailable' | 'hang';

/** One Lease store shared by several candidates; each gets its own view (client) of it. */
export class FakeLeaseStore {
  private rv = 0;
  readonly leases = new Map<string, Lease>();
  writes = 0;

  client(): FakeLeaseClient {
    return new FakeLeaseClient(this);
  }

  peek(namespace: string, name: string): Lease | undefined {
    return this.leases.get(`${namespace}/${name}`);
  }

  /** Writes behind the candidates' backs (another writer, e.g. kubectl). */
  put(lease: Lease): Lease {
    const stored = structuredClone({
      ...lease,
      metadata: { ...lease.metadata, resourceVersion: String(++this.rv), uid: lease.metadata.uid ?? 'uid-1' },
    });
    this.leases.set(`${lease.metadata.namespace}/${lease.metadata.name}`, stored);
    this.writes++;
    return structuredClone(stored);
  }

  get(namespace: string, name: string): Lease {
    const l = this.peek(namespace, name);
    if (!l) throw new ApiError('NotFound', `leases.coordination.k8s.io "${name}" not found`);
    return structuredClone(l);
  }

  create(lease: Lease): Lease {
    if (this.peek(lease.metadata.namespace ?? '', lease.metadata.name ?? ''))
      throw new ApiError('AlreadyExists', `leases.coordination.k8s.io "${lease.metadata.name}" already exists`);
    return this.put(lease);
  }

  update(lease: Lease): Lease {
    const cur = this.peek(lease.metadata.namespace ?? '', lease.metadata.name ?? '');
    if (!cur) throw new ApiError('NotFound', `leases.coordination.k8s.io "${lease.metadata.name}" not found`);
    if (lease.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      throw new ApiError(
        'Conflict',
        `Operation cannot be fulfilled on leases.coordination.k8s.io "${lease.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    return this.put(lease);
  }
}

export class FakeLeaseClient implements LeaseApi {
  mode: Mode = 'ok';
  calls = 0;

  constructor(private readonly store: FakeLeaseStore) {}

  private async op<T>(fn: () => T): Promise<T> {
    this.calls++;
    await Promise.resolve();
    if (this.mode === 'hang') return new Promise<T>(() => undefined);
    if (this.mode === 'unavailable') throw new ApiError('ServiceUnavailable', 'apiserver unavailable');
    return fn();
  }

  get<T extends KubeObject>(_resource: string, namespace: string, name: string): Promise<T> {
    return this.op(() => this.store.get(namespace, name) as unknown as T);
  }

  create<T extends KubeObject>(_resource: string, obj: T): Promise<T> {
    return this.op(() => this.store.create(obj as unknown as Lease) as unknown as T);
  }

  update<T extends KubeObject>(_resource: string, obj: T): Promise<T> {
    return this.op(() => this.store.update(obj as unknown as Lease) as unknown as T);
  }
}
