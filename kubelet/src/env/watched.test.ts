import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { ApiEnvObjects } from './objects.js';
import { WatchedReads, type WatchApi } from './watched.js';
import { silentLogger } from '../testing/fakes.js';

type Ev = { type: string; object: KubeObject };

/** A store with list and watch (field selector metadata.name only), whose streams can be broken. */
class WatchableApi implements WatchApi {
  readonly objects = new Map<string, KubeObject>();
  private rv = 1;
  private readonly streams = new Set<{ push(e: Ev | Error | null): void; match(o: KubeObject): boolean }>();
  lists = 0;
  gets = 0;
  down = false;

  private matcher(resource: string, ns: string | undefined, sel: string | undefined) {
    const name = sel?.startsWith('metadata.name=') ? sel.slice('metadata.name='.length) : undefined;
    return (o: KubeObject, r = resource) =>
      r === resource && o.metadata.namespace === ns && (name === undefined || o.metadata.name === name);
  }

  put(resource: string, o: KubeObject, type = 'MODIFIED'): void {
    const stored = { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } };
    const key = `${resource}/${o.metadata.namespace}/${o.metadata.name}`;
    if (type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, stored);
    for (const s of this.streams) if (s.match({ ...stored, kind: resource })) s.push({ type, object: stored });
  }

  /** Ends every open watch with an error, as an apiserver restart would. */
  breakWatches(): void {
    for (const s of [...this.streams]) s.push(new ApiError('ServiceUnavailable', 'connection reset'));
  }

  get open(): number {
    return this.streams.size;
  }

  get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T> {
    this.gets++;
    const o = this.objects.get(`${resource}/${namespace}/${name}`);
    return o ? Promise.resolve(o as T) : Promise.reject(new ApiError('NotFound', 'not found'));
  }

  async list<T extends KubeObject>(resource: string, opts: { namespace?: string; fieldSelector?: string }) {
    this.lists++;
    if (this.down) throw new Error('connect ECONNREFUSED 10.0.0.3:7000');
    const m = this.matcher(resource, opts.namespace, opts.fieldSelector);
    const items = [...this.objects].filter(([k, o]) => k.startsWith(`${resource}/`) && m(o)).map(([, o]) => o as T);
    return { items, resourceVersion: String(this.rv) };
  }

  async *watch<T extends KubeObject>(
    resource: string,
    opts: { namespace?: string; fieldSelector?: string },
    signal: AbortSignal,
  ): AsyncGenerator<{ type: string; object: T }> {
    if (this.down) throw new Error('connect ECONNREFUSED 10.0.0.3:7000');
    const queue: (Ev | Error | null)[] = [];
    let wake: (() => void) | undefined;
    const m = this.matcher(resource, opts.namespace, opts.fieldSelector);
    const s = {
      push: (e: Ev | Error | null) => {
        queue.push(e);
        wake?.();
      },
      match: (o: KubeObject) => m(o, (o as { kind?: string }).kind),
    };
    this.streams.add(s);
    signal.addEventListener('abort', () => s.push(null), { once: true });
    try {
      while (true) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const e = queue.shift()!;
        if (e === null) return;
        if (e instanceof Error) throw e;
        yield e as { type: string; object: T };
      }
    } finally {
      this.streams.delete(s);
    }
  }
}

const cm = (name: string, data: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data }) as KubeObject;
const svc = (name: string): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec: {} }) as KubeObject;
const until = async (what: string, ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ok(), what);
};

/** The read's answer once it equals the expected one (a watch event arrives a tick after the write). */
const eventually = async (what: string, read: () => Promise<unknown>, expected: unknown): Promise<void> => {
  let got: unknown;
  for (let i = 0; i < 400; i++) {
    got = await read();
    if (JSON.stringify(got) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.deepEqual(got, expected, what);
};

describe('WatchedReads: the kubelet reads its objects from watches', () => {
  it('lists once, then answers from the watch: updates, deletes and creates arrive without a call', async () => {
    const api = new WatchableApi();
    api.put('configmaps', cm('app', { k: '1' }));
    const watched = new WatchedReads(api, { log: silentLogger() });
    const objects = new ApiEnvObjects(api, watched);
    try {
      assert.deepEqual(await objects.configMap('ns', 'app'), { k: '1' });
      await until('the watch is open', () => api.open === 1);
      for (let i = 0; i < 5; i++) assert.deepEqual(await objects.configMap('ns', 'app'), { k: '1' });
      assert.equal(api.lists, 1);
      assert.equal(api.gets, 0);

      const app = () => objects.configMap('ns', 'app');
      api.put('configmaps', cm('app', { k: '2' }));
      await eventually('an update arrives', app, { k: '2' });
      api.put('configmaps', cm('other', { x: 'y' }));
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(await app(), { k: '2' }, 'another object is not delivered here');
      api.put('configmaps', cm('app', {}), 'DELETED');
      await eventually('a delete makes it missing', app, undefined);
      api.put('configmaps', cm('app', { k: '3' }), 'ADDED');
      await eventually('a create arrives', app, { k: '3' });
      assert.equal(api.lists, 1, 'all of it from one list and its watch');
    } finally {
      watched.close();
    }
    await until('close stops the watch', () => api.open === 0);
  });

  it('keeps answering while the apiserver is away, and relists when it is back', async () => {
    const api = new WatchableApi();
    api.put('services', svc('web'));
    const watched = new WatchedReads(api, { log: silentLogger() });
    const objects = new ApiEnvObjects(api, watched);
    try {
      assert.deepEqual(
        (await objects.services('ns')).map((s) => s.metadata.name),
        ['web'],
      );
      await until('the watch is open', () => api.open === 1);
      api.down = true;
      api.breakWatches();
      assert.deepEqual(
        (await objects.services('ns')).map((s) => s.metadata.name),
        ['web'],
        'the last state answers',
      );
      assert.equal((await objects.service('ns', 'web'))?.metadata.name, 'web');
      api.down = false;
      api.put('services', svc('db'), 'ADDED'); // made while the watch was down: the relist brings it
      await until('relisted and watching again', () => api.open === 1);
      await eventually(
        'the relist brings what was made meanwhile',
        async () => (await objects.services('ns')).map((s) => s.metadata.name).sort(),
        ['db', 'web'],
      );
      assert.equal(await objects.service('ns', 'nope'), undefined);
    } finally {
      watched.close();
    }
  });

  it('a failed first list fails the read (and the next read lists again); the last answer still serves', async () => {
    const api = new WatchableApi();
    api.put('configmaps', cm('app', { k: '1' }));
    api.down = true;
    const watched = new WatchedReads(api, { log: silentLogger() });
    const objects = new ApiEnvObjects(api, watched);
    try {
      await assert.rejects(objects.configMap('ns', 'app'), /ECONNREFUSED/);
      assert.equal(watched.size, 0, 'nothing cached from a failed list');
      api.down = false;
      assert.deepEqual(await objects.configMap('ns', 'app'), { k: '1' });
      assert.equal(api.lists, 2);
    } finally {
      watched.close();
    }
  });

  it('stops a watch nobody read for idleMs', async () => {
    const api = new WatchableApi();
    api.put('configmaps', cm('a', {}));
    api.put('configmaps', cm('b', {}));
    let now = 0;
    const watched = new WatchedReads(api, { log: silentLogger(), idleMs: 1000, now: () => now });
    try {
      await watched.read('configmaps', 'ns', 'metadata.name=a');
      await watched.read('configmaps', 'ns', 'metadata.name=b');
      await until('two watches', () => api.open === 2);
      now = 800;
      await watched.read('configmaps', 'ns', 'metadata.name=b');
      now = 1500;
      await watched.read('configmaps', 'ns', 'metadata.name=b');
      assert.equal(watched.size, 1, 'a (last read at 0) is stopped, b (read at 800) kept');
      await until('its stream is closed', () => api.open === 1);
    } finally {
      watched.close();
    }
  });
});
