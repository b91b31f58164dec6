import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { MemoryStore } from './memory.js';
import { storeContract } from './contract.js';

storeContract('MemoryStore', async () => new MemoryStore());

it('MemoryStore fails every call while unavailable', async () => {
  const s = new MemoryStore();
  s.setAvailable(false);
  await assert.rejects(s.get('/a'), (e: unknown) => e instanceof ApiError && e.reason === 'ServiceUnavailable');
  s.setAvailable(true);
  assert.equal(await s.get('/a'), undefined);
});

it('MemoryStore: keys written with a TTL go when the clock passes it, as a delete event; a write without one keeps the key', async () => {
  const clock = { t: 0, now: () => clock.t };
  const s = new MemoryStore({ clock });
  const b = (v: string): Buffer => Buffer.from(v);
  const r1 = await s.txn([{ type: 'create', key: '/e/a', value: b('1'), ttlSeconds: 10 }]);
  await s.txn([{ type: 'create', key: '/e/b', value: b('1'), ttlSeconds: 10 }]);
  await s.create('/e/c', b('forever'));
  clock.t = 8_000;
  const r2 = await s.txn([{ type: 'update', key: '/e/a', value: b('2'), modRevision: r1, ttlSeconds: 10 }]);
  clock.t = 10_000;
  assert.deepEqual(
    (await s.list('/e/')).kvs.map((kv) => kv.key),
    ['/e/a', '/e/c'],
    'b expired; a was written again at 8 s',
  );
  clock.t = 17_999;
  assert.ok(await s.get('/e/a'));
  await s.update('/e/a', b('3'), r2);
  clock.t = 1_000_000;
  assert.deepEqual(
    (await s.list('/e/')).kvs.map((kv) => kv.key),
    ['/e/a', '/e/c'],
    'a write without a TTL keeps the key',
  );
  const ac = new AbortController();
  const events = [];
  for await (const ev of s.watch('/e/', r1 + 1, ac.signal)) {
    events.push(`${ev.type} ${ev.key}${ev.type === 'delete' ? ` was ${ev.prevValue?.toString()}` : ''}`);
    if (events.length === 3) break;
  }
  assert.deepEqual(events, ['put /e/b', 'put /e/c', 'put /e/a']);
  const delAt = (await s.list('/e/')).revision;
  await s.txn([
    { type: 'update', key: '/e/c', value: b('x'), modRevision: (await s.get('/e/c'))!.modRevision, ttlSeconds: 1 },
  ]);
  clock.t += 1000;
  s.expire();
  for await (const ev of s.watch('/e/', delAt + 2, ac.signal)) {
    assert.equal(`${ev.type} ${ev.key} was ${ev.prevValue?.toString()}`, 'delete /e/c was x');
    break;
  }
});
