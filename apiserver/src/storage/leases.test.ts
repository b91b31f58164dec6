import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseCache, reuseSeconds } from './leases.js';

function setup() {
  const clock = { t: 1_000_000, now: () => clock.t };
  const grants: number[] = [];
  const cache = new LeaseCache(async (ttl) => (grants.push(ttl), `lease-${grants.length}`), clock);
  return { clock, grants, cache };
}

test('one lease per reuse window (a minute for the 1 h TTL), granted for TTL + window', async () => {
  const { clock, grants, cache } = setup();
  assert.equal(reuseSeconds(3600), 60);
  assert.equal(reuseSeconds(20), 1);
  const ids = [];
  for (let i = 0; i < 120; i++) {
    ids.push(await cache.leaseFor(3600));
    clock.t += 1000;
  }
  assert.deepEqual(grants, [3660, 3660]);
  assert.deepEqual([...new Set(ids)], ['lease-1', 'lease-2']);
});

test('concurrent writes wait for the one grant under way; each TTL has its own lease', async () => {
  const { grants, cache } = setup();
  const ids = await Promise.all([cache.leaseFor(3600), cache.leaseFor(3600), cache.leaseFor(3600), cache.leaseFor(10)]);
  assert.deepEqual(ids, ['lease-1', 'lease-1', 'lease-1', 'lease-2']);
  assert.equal(grants.length, 2);
  assert.equal(cache.grantedCount, 2);
});

test('a forgotten lease (etcd lost it) is replaced at the next write; a failed grant is not kept', async () => {
  const { cache } = setup();
  const first = await cache.leaseFor(60);
  cache.forget(first);
  assert.notEqual(await cache.leaseFor(60), first);
  let fail = true;
  const flaky = new LeaseCache(
    async () => {
      if (fail) throw new Error('etcd is unavailable');
      return 'ok';
    },
    { now: () => 0 },
  );
  await assert.rejects(flaky.leaseFor(60), /unavailable/);
  fail = false;
  assert.equal(await flaky.leaseFor(60), 'ok');
});

test('forOps asks leases only for writes with a TTL', async () => {
  const { cache } = setup();
  const b = Buffer.from('x');
  const ids = await cache.forOps([
    { type: 'create', key: '/a', value: b, ttlSeconds: 60 },
    { type: 'create', key: '/b', value: b },
    { type: 'check', key: '/c', modRevision: 0 },
    { type: 'update', key: '/d', value: b, modRevision: 3, ttlSeconds: 60 },
  ]);
  assert.deepEqual(ids, ['lease-1', undefined, undefined, 'lease-1']);
});
