import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { ApiError, MAX_BINDINGS_PER_CALL } from '@kubelab/proto';
import { ApiClient } from '@kubelab/client';
import type { KubeObject, Pod } from '@kubelab/api';
import { MemoryStore } from '../storage/memory.js';
import { StoreRegistry } from '../registry/registry.js';
import { bootstrap } from '../registry/bootstrap.js';
import type { Registry, RegistryEvent, WatchQuery } from '../registry/types.js';
import { startGrpcServer, stopGrpcServer } from './server.js';

/** Delegates to a registry and counts the watches being served. */
class CountingRegistry {
  active = 0;
  constructor(readonly inner: Registry) {}
  get api(): Registry {
    const self = this;
    const r = this.inner;
    return {
      create: (...a) => r.create(...a),
      get: (...a) => r.get(...a),
      list: (...a) => r.list(...a),
      update: (...a) => r.update(...a),
      updateStatus: (...a) => r.updateStatus(...a),
      delete: (...a) => r.delete(...a),
      bind: (...a) => r.bind(...a),
      watch: async function* (resource: string, q: WatchQuery, signal: AbortSignal): AsyncGenerator<RegistryEvent> {
        self.active++;
        try {
          if (q.labelSelector === FAIL_AFTER_BURST) {
            // A burst read at once, then an error: the events wait in the sender when it comes.
            for (let i = 0; i < 300; i++) yield { type: 'ADDED', object: configMap(`failing-${i}`) };
            throw new ApiError('Expired', 'too old resource version: 1 (300)');
          }
          yield* r.watch(resource, q, signal);
        } finally {
          self.active--;
        }
      },
    };
  }
}

/** The label selector on which the counting registry's watch sends 300 events and then fails. */
const FAIL_AFTER_BURST = 'test=fail-after-burst';

const configMap = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', resourceVersion: '1' },
});

const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
});

async function until(cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('gRPC Resources service (ApiClient against MemoryStore)', () => {
  const store = new MemoryStore();
  const registry = new StoreRegistry(store);
  const counting = new CountingRegistry(registry);
  let server: grpc.Server;
  let client: ApiClient;

  before(async () => {
    await bootstrap(registry);
    const started = await startGrpcServer({
      registry: counting.api,
      port: 0,
      host: '127.0.0.1',
      log: pino({ level: 'silent' }),
    });
    server = started.server;
    client = new ApiClient(`127.0.0.1:${started.port}`, { credentials: { insecure: true } });
  });

  after(async () => {
    client.close();
    await stopGrpcServer(server, 500);
    await registry.close();
  });

  it('creates, gets, lists, updates and updates status', async () => {
    const created = await client.create('pods', pod('web', { app: 'web' }));
    assert.equal(created.metadata.namespace, 'default');
    assert.equal(created.spec.restartPolicy, 'Always');
    const got = await client.get<Pod>('pods', 'default', 'web');
    assert.equal(got.metadata.uid, created.metadata.uid);
    await client.create('pods', pod('db', { app: 'db' }));
    const list = await client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' });
    assert.deepEqual(
      list.items.map((p) => p.metadata.name),
      ['web'],
    );
    assert.ok(Number(list.resourceVersion) > 0);
    const page = await client.list<Pod>('pods', { namespace: 'default', limit: 1 });
    assert.equal(page.items.length, 1);
    assert.notEqual(page.continue, '');
    const rest = await client.list<Pod>('pods', { namespace: 'default', limit: 1, continue: page.continue });
    assert.notEqual(rest.items[0]?.metadata.name, page.items[0]?.metadata.name);
    const upd = await client.update('pods', { ...got, metadata: { ...got.metadata, labels: { app: 'web', v: '2' } } });
    assert.deepEqual(upd.metadata.labels, { app: 'web', v: '2' });
    const st = await client.updateStatus('pods', { ...upd, status: { phase: 'Running' } });
    assert.equal(st.status?.phase, 'Running');
  });

  it('serves a get with resourceVersion "0" from the watch cache, a get without one from storage', async () => {
    // In kube-system: the other tests list the ConfigMaps of default.
    await client.create('configmaps', { ...configMap('cached'), metadata: { name: 'cached' } }, 'kube-system');
    let gets = 0;
    const get = store.get.bind(store);
    store.get = (key) => {
      gets++;
      return get(key);
    };
    try {
      let fromCache = false;
      for (let i = 0; i < 100 && !fromCache; i++) {
        const before = gets;
        const o = await client.get('configmaps', 'kube-system', 'cached', { resourceVersion: '0' });
        assert.equal(o.metadata.name, 'cached');
        fromCache = gets === before;
        if (!fromCache) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(fromCache, 'a get with resourceVersion "0" read storage every time');
      const before = gets;
      await client.get('configmaps', 'kube-system', 'cached');
      assert.equal(gets, before + 1, 'the latest: storage');
    } finally {
      store.get = get;
    }
  });

  it('carries errors across with their reason, message and details', async () => {
    await assert.rejects(
      client.get('pods', 'default', 'nope'),
      (e: unknown) => e instanceof ApiError && e.reason === 'NotFound' && e.message === 'pods "nope" not found',
    );
    await assert.rejects(
      client.create('pods', pod('web')),
      (e: unknown) => e instanceof ApiError && e.reason === 'AlreadyExists',
    );
    const stale = await client.get<Pod>('pods', 'default', 'web');
    await client.update('pods', { ...stale, metadata: { ...stale.metadata, annotations: { a: 'b' } } });
    await assert.rejects(
      client.update('pods', stale),
      (e: unknown) =>
        e instanceof ApiError &&
        e.reason === 'Conflict' &&
        /^Operation cannot be fulfilled on pods "web"/.test(e.message),
    );
    const bad: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: {
        replicas: -1,
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    };
    await assert.rejects(client.create('deployments', bad), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.reason, 'Invalid');
      assert.equal(
        e.message,
        'Deployment.apps "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      );
      assert.deepEqual(e.details?.causes, [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: -1: must be greater than or equal to 0',
          field: 'spec.replicas',
        },
      ]);
      return true;
    });
  });

  it('binds and deletes (gracefully for bound pods)', async () => {
    await client.create('pods', pod('bindme'));
    const bound = (await client.bind('default', 'bindme', 'n1')) as Pod;
    assert.equal(bound.spec.nodeName, 'n1');
    await assert.rejects(
      client.bind('default', 'bindme', 'n2'),
      (e: unknown) => e instanceof ApiError && e.reason === 'Conflict',
    );
    const marked = await client.delete('pods', 'default', 'bindme');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
    await client.delete('pods', 'default', 'bindme', { gracePeriodSeconds: 0 });
    await assert.rejects(
      client.get('pods', 'default', 'bindme'),
      (e: unknown) => e instanceof ApiError && e.reason === 'NotFound',
    );
  });

  it('binds many in one call, each answered on its own, in order', async () => {
    for (const n of ['m1', 'm2', 'm3']) await client.create('pods', pod(n));
    const first = await client.bindMany([
      { namespace: 'default', name: 'm1', nodeName: 'n1', podUid: '' },
      { namespace: 'default', name: 'gone', nodeName: 'n1', podUid: '' },
      { namespace: 'default', name: 'm2', nodeName: 'n2', podUid: 'not-its-uid' },
      { namespace: 'default', name: 'm3', nodeName: 'n2', podUid: '' },
    ]);
    assert.deepEqual(
      first.map((e) => e?.reason),
      [undefined, 'NotFound', 'Conflict', undefined],
    );
    assert.ok(first.every((e) => e === undefined || e instanceof ApiError));
    assert.equal(((await client.get('pods', 'default', 'm1')) as Pod).spec.nodeName, 'n1');
    assert.equal(((await client.get('pods', 'default', 'm2')) as Pod).spec.nodeName, undefined);
    assert.equal(((await client.get('pods', 'default', 'm3')) as Pod).spec.nodeName, 'n2');
    const again = await client.bindMany([{ namespace: 'default', name: 'm1', nodeName: 'n2', podUid: '' }]);
    assert.equal(again[0]?.reason, 'Conflict', 'already bound, as a Bind alone');
    const tooMany = Array.from({ length: MAX_BINDINGS_PER_CALL + 1 }, (_, i) => ({
      namespace: 'default',
      name: `x${i}`,
      nodeName: 'n1',
      podUid: '',
    }));
    await assert.rejects(
      client.bindMany(tooMany),
      (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest' && /at most 256 per call/.test(e.message),
    );
  });

  it('creates several objects in one CreateMany call, each answered on its own', async () => {
    const secret = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: 'default' },
    });
    // Creates of one turn: the client sends them in one CreateMany.
    const [a, b, again] = await Promise.allSettled(
      [secret('many-a'), secret('many-b'), secret('many-a')].map((s) => client.create('secrets', s)),
    );
    assert.equal(a?.status === 'fulfilled' && a.value.metadata.name, 'many-a');
    assert.ok(b?.status === 'fulfilled' && Number(b.value.metadata.resourceVersion) > 0);
    const refused = again?.status === 'rejected' ? again.reason : undefined;
    assert.ok(refused instanceof ApiError && refused.reason === 'AlreadyExists', String(refused));
    assert.equal(refused.message, 'secrets "many-a" already exists');
    assert.equal((await client.get('secrets', 'default', 'many-b')).metadata.name, 'many-b');
  });

  it('streams watch events and stops serving when the client cancels', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of client.watch<Pod>(
        'pods',
        { namespace: 'default', labelSelector: 'app=stream' },
        ac.signal,
      )) {
        seen.push(`${ev.type} ${ev.object.metadata.name}`);
        if (seen.length === 3) ac.abort();
      }
    })();
    await until(() => counting.active === 1);
    const p = await client.create('pods', pod('s1', { app: 'stream' }));
    await client.update('pods', { ...p, metadata: { ...p.metadata, labels: { app: 'stream', x: 'y' } } });
    await client.delete('pods', 'default', 's1');
    await done;
    assert.deepEqual(seen, ['ADDED s1', 'MODIFIED s1', 'DELETED s1']);
    await until(() => counting.active === 0);
  });

  it('delivers a burst of 400 events complete and in order', async () => {
    const ac = new AbortController();
    const names: string[] = [];
    const watching = (async () => {
      for await (const ev of client.watch<KubeObject>('configmaps', { namespace: 'default' }, ac.signal)) {
        names.push(ev.object.metadata.name ?? '');
        if (names.length === 400) ac.abort();
      }
    })();
    await until(() => counting.active === 1);
    const big = 'x'.repeat(8_000);
    for (let i = 0; i < 400; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          client.create('configmaps', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `burst-${i + j}`, namespace: 'default' },
            data: { big },
          }),
        ),
      );
    await watching;
    const created = (await client.list('configmaps', { namespace: 'default' })).items
      .filter((c) => c.metadata.name?.startsWith('burst-'))
      .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
      .map((c) => c.metadata.name);
    assert.deepEqual(names, created);
    await until(() => counting.active === 0);
  });

  it('sends the events read before an error, then the error', async () => {
    const names: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of client.watch<KubeObject>(
          'configmaps',
          {
            namespace: 'default',
            labelSelector: FAIL_AFTER_BURST,
          },
          new AbortController().signal,
        ))
          names.push(ev.object.metadata.name ?? '');
      })(),
      (e: unknown) => e instanceof ApiError && e.reason === 'Expired',
    );
    assert.deepEqual(
      names,
      Array.from({ length: 300 }, (_, i) => `failing-${i}`),
    );
    await until(() => counting.active === 0);
  });

  it('reports a compacted resourceVersion as Expired', async () => {
    // Older than what the shared watch of pods has seen, so it goes to storage.
    const p = { metadata: { resourceVersion: '2' } };
    await client.create('pods', pod('old'));
    await client.delete('pods', 'default', 'old');
    await client.create('pods', pod('newer'));
    await store.compact(await store.currentRevision());
    const ac = new AbortController();
    await assert.rejects(
      (async () => {
        for await (const _ of client.watch(
          'pods',
          { namespace: 'default', resourceVersion: p.metadata.resourceVersion },
          ac.signal,
        )) {
          // no events expected
        }
      })(),
      (e: unknown) => e instanceof ApiError && e.reason === 'Expired',
    );
  });
});
