import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodListCache } from './podcache.js';
import type { RuntimeContainer } from './runtime.js';

const c = (id: string): RuntimeContainer => ({
  id,
  name: id,
  labels: {},
  podUid: 'u1',
  podName: 'p',
  podNamespace: 'default',
  containerName: 'app',
  restartCount: 0,
  hash: '',
  state: 'running',
  createdAt: '2026-01-01T00:00:00Z',
  image: 'img',
  imageRef: 'img',
  networks: {},
});

function liveCache(now: { t: number }): PodListCache {
  const cache = new PodListCache({ ttlMs: 1000, now: () => now.t });
  cache.setLive(true);
  return cache;
}

describe('pod list cache', () => {
  it('serves a stored list until its ttl, as a copy', () => {
    const now = { t: 0 };
    const cache = liveCache(now);
    cache.put('u1', cache.generation('u1'), [c('a')]);
    const got = cache.get('u1')!;
    assert.deepEqual(
      got.map((x) => x.id),
      ['a'],
    );
    got.push(c('b'));
    assert.equal(cache.get('u1')!.length, 1);
    now.t = 999;
    assert.ok(cache.get('u1'));
    now.t = 1000;
    assert.equal(cache.get('u1'), undefined);
  });

  it('is not trusted without the event stream, and forgets on every connect or break', () => {
    const now = { t: 0 };
    const cache = new PodListCache({ now: () => now.t });
    cache.put('u1', cache.generation('u1'), [c('a')]);
    assert.equal(cache.get('u1'), undefined, 'not live yet');
    cache.setLive(true);
    const gen = cache.generation('u1');
    cache.put('u1', gen, [c('a')]);
    assert.ok(cache.get('u1'));
    cache.setLive(false);
    assert.equal(cache.get('u1'), undefined);
    cache.setLive(true);
    assert.equal(cache.get('u1'), undefined, 'a reconnect may have missed events');
    cache.put('u1', gen, [c('a')]);
    assert.equal(cache.get('u1'), undefined, 'a list begun before the reconnect is not stored');
  });

  it('a change of the pod during a list keeps that list out', () => {
    const cache = liveCache({ t: 0 });
    const gen = cache.generation('u1');
    cache.podChanged('u1');
    cache.put('u1', gen, [c('a')]);
    assert.equal(cache.get('u1'), undefined);
    cache.put('u1', cache.generation('u1'), [c('a')]);
    assert.ok(cache.get('u1'));
  });

  it('a change by container id drops its pod only; an unknown id drops all', () => {
    const cache = liveCache({ t: 0 });
    cache.put('u1', cache.generation('u1'), [c('a')]);
    cache.put('u2', cache.generation('u2'), [{ ...c('b'), podUid: 'u2' }]);
    cache.containerChanged('a');
    assert.equal(cache.get('u1'), undefined);
    assert.ok(cache.get('u2'));
    cache.own('new', 'u2');
    cache.containerChanged('new');
    assert.equal(cache.get('u2'), undefined, 'a container created for u2 is known as its own');
    cache.put('u2', cache.generation('u2'), [{ ...c('b'), podUid: 'u2' }]);
    cache.put('u3', cache.generation('u3'), [{ ...c('d'), podUid: 'u3' }]);
    cache.containerChanged('new');
    assert.ok(cache.get('u3'), 'only its pod is dropped');
    cache.containerChanged('never-listed');
    assert.equal(cache.get('u2'), undefined);
    assert.equal(cache.get('u3'), undefined);
  });
});
