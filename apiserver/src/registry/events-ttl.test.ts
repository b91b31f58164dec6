import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { MemoryStore } from '../storage/memory.js';
import { bootstrap } from './bootstrap.js';
import { StoreRegistry, type RegistryOptions } from './registry.js';
import { EventReader, summary, T0 } from './testing.js';

async function setup(opts: RegistryOptions = {}) {
  const clock = { t: T0, now: () => clock.t };
  const store = new MemoryStore({ clock });
  const registry = new StoreRegistry(store, { clock, namespacePollMs: 5, ...opts });
  await bootstrap(registry);
  return { clock, store, registry };
}

const event = (name: string): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'BackOff',
    message: 'x',
    count: 1,
  }) as KubeObject;

test('Events expire eventTTLSeconds after their last write (a watch sees DELETED); other objects stay', async () => {
  const { clock, store, registry } = await setup({ eventTTLSeconds: 60 });
  const a = await registry.create('events', 'default', event('a'));
  await registry.create('events', 'default', event('b'));
  await registry.create('configmaps', 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
  const ac = new AbortController();
  const r = new EventReader(
    registry.watch('events', { namespace: 'default', resourceVersion: a.metadata.resourceVersion }, ac.signal),
  );
  assert.deepEqual(summary(await r.take(1)), ['ADDED b']);
  clock.t += 50_000;
  await registry.update('events', 'default', 'a', { ...a, count: 2 });
  assert.deepEqual(summary(await r.take(1)), ['MODIFIED a']);
  clock.t += 10_000;
  store.expire();
  assert.deepEqual(summary(await r.take(1)), ['DELETED b']);
  assert.deepEqual(
    (await registry.list('events', { namespace: 'default' })).items.map((e) => e.metadata.name),
    ['a'],
    'a was updated at 50 s: it lives until 110 s',
  );
  clock.t += 50_000;
  store.expire();
  assert.deepEqual(summary(await r.take(1)), ['DELETED a']);
  assert.equal((await registry.list('configmaps', { namespace: 'default' })).items.length, 1);
  ac.abort();
  await registry.close();
});

test('eventTTLSeconds 0 keeps Events for ever', async () => {
  const { clock, store, registry } = await setup({ eventTTLSeconds: 0 });
  await registry.create('events', 'default', event('a'));
  clock.t += 365 * 86_400_000;
  store.expire();
  assert.equal((await registry.list('events', { namespace: 'default' })).items.length, 1);
  await registry.close();
});
