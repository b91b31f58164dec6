/** Helpers for registry unit tests: a bootstrapped registry on a MemoryStore, and event readers. */
import type { KubeObject } from '@kubelab/api';
import { MemoryStore } from '../storage/memory.js';
import { bootstrap } from './bootstrap.js';
import { StoreRegistry, type RegistryOptions } from './registry.js';
import type { RegistryEvent } from './types.js';

export const T0 = Date.parse('2024-05-01T10:00:00Z');

/** A store whose watch delivers each event 40 ms late (as a loaded etcd stream may), with a count of its gets. */
export function laggingStore(store: MemoryStore): { store: MemoryStore; gets: () => number } {
  let gets = 0;
  const lagging = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'get')
        return (key: string) => {
          gets++;
          return target.get(key);
        };
      if (prop !== 'watch') return Reflect.get(target, prop, receiver);
      return async function* (prefix: string, from: number, signal: AbortSignal) {
        for await (const ev of target.watch(prefix, from, signal)) {
          await new Promise((r) => setTimeout(r, 40));
          yield ev;
        }
      };
    },
  });
  return { store: lagging, gets: () => gets };
}

export async function newRegistry(
  opts: RegistryOptions = {},
): Promise<{ store: MemoryStore; registry: StoreRegistry }> {
  const store = new MemoryStore();
  const registry = new StoreRegistry(store, { clock: { now: () => T0 }, namespacePollMs: 5, ...opts });
  await bootstrap(registry);
  return { store, registry };
}

export function pod(
  name: string,
  labels: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...extra },
  };
}

/** A reader over an async iterator that fails instead of hanging. */
export class EventReader {
  private readonly it: AsyncIterator<RegistryEvent>;
  constructor(iterable: AsyncIterable<RegistryEvent>) {
    this.it = iterable[Symbol.asyncIterator]();
  }

  async next(timeoutMs = 2_000): Promise<RegistryEvent | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out waiting for a watch event')), timeoutMs);
    });
    try {
      const r = await Promise.race([this.it.next(), timeout]);
      return r.done ? undefined : r.value;
    } finally {
      clearTimeout(timer);
    }
  }

  async take(n: number): Promise<RegistryEvent[]> {
    const out: RegistryEvent[] = [];
    for (let i = 0; i < n; i++) {
      const ev = await this.next();
      if (!ev) break;
      out.push(ev);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

export const summary = (evs: RegistryEvent[]): string[] => evs.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`);
