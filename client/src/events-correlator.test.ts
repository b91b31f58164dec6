import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { buildEvent } from './events.js';
import { COMBINED_PREFIX, EventCorrelator, Lru } from './events-correlator.js';

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'u1' } };
const other: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', namespace: 'default', uid: 'u2' } };

function setup(start = Date.UTC(2024, 0, 1)) {
  const clock = { t: start, now: () => clock.t };
  const c = new EventCorrelator({ clock });
  let seq = 0;
  const ev = (reason: string, message: string, obj = pod) =>
    c.correlate(buildEvent(obj, 'Warning', reason, message, { component: 'kubelet', host: 'n1' }, clock.t, seq++));
  return { clock, c, ev };
}

test('identical events are one Event: the same name, count+1, the first timestamp kept', () => {
  const { clock, ev } = setup();
  const first = ev('BackOff', 'Back-off restarting failed container');
  assert.equal(first.event.count, 1);
  clock.t += 90_000;
  const second = ev('BackOff', 'Back-off restarting failed container');
  assert.equal(second.key, first.key);
  assert.equal(second.event.metadata.name, first.event.metadata.name);
  assert.equal(second.event.count, 2);
  assert.equal(second.event.firstTimestamp, first.event.firstTimestamp);
  assert.equal(second.event.lastTimestamp, '2024-01-01T00:01:30Z');
  const different = ev('BackOff', 'Back-off restarting failed container', other);
  assert.notEqual(different.key, first.key);
  assert.equal(different.event.count, 1);
});

test('the 10th similar message within 10 minutes becomes one combined event, updated by the later ones', () => {
  const { clock, ev } = setup();
  const names = new Set<string>();
  for (let i = 1; i <= 9; i++) {
    const r = ev('Failed', `error ${i}`);
    assert.equal(r.event.message, `error ${i}`);
    names.add(r.event.metadata.name ?? '');
    clock.t += 1000;
  }
  assert.equal(names.size, 9);
  const tenth = ev('Failed', 'error 10');
  assert.equal(tenth.event.message, `${COMBINED_PREFIX}error 10`);
  assert.equal(tenth.event.count, 1);
  clock.t += 1000;
  const eleventh = ev('Failed', 'error 11');
  assert.equal(eleventh.key, tenth.key);
  assert.equal(eleventh.event.metadata.name, tenth.event.metadata.name);
  assert.equal(eleventh.event.message, `${COMBINED_PREFIX}error 11`);
  assert.equal(eleventh.event.count, 2);
  // Another reason is not similar.
  assert.equal(ev('Unhealthy', 'probe failed').event.message, 'probe failed');
  // More than 10 minutes after the last similar one, messages stand alone again.
  clock.t += 600_001;
  assert.equal(ev('Failed', 'error 12').event.message, 'error 12');
});

test('the window is sliding: similar events every 5 minutes keep aggregating', () => {
  const { clock, ev } = setup();
  for (let i = 1; i <= 9; i++) {
    ev('Failed', `error ${i}`);
    clock.t += 300_000;
  }
  assert.ok(ev('Failed', 'error 10').event.message?.startsWith(COMBINED_PREFIX));
});

test('rate limit: burst 25 per source and object, then one per 5 minutes; skipped occurrences still count', () => {
  const { clock, ev } = setup();
  const results = Array.from({ length: 30 }, () => ev('BackOff', 'same'));
  assert.deepEqual(
    results.map((r) => r.skip),
    [...Array(25).fill(false), ...Array(5).fill(true)],
  );
  assert.equal(
    ev('Created', 'another reason, same object').skip,
    true,
    'the bucket is per source and object, not per reason',
  );
  assert.equal(ev('BackOff', 'same', other).skip, false, 'another object has its own bucket');
  clock.t += 299_000;
  assert.equal(ev('BackOff', 'same').skip, true);
  clock.t += 1_000;
  const next = ev('BackOff', 'same');
  assert.equal(next.skip, false);
  assert.equal(next.event.count, 32, 'the write after the pause carries every occurrence');
  assert.equal(ev('BackOff', 'same').skip, true);
  clock.t += 25 * 300_000;
  assert.equal(
    Array.from({ length: 26 }, () => ev('BackOff', 'same')).filter((r) => !r.skip).length,
    25,
    'refills up to the burst, no more',
  );
});

test('Lru forgets the least recently used key', () => {
  const l = new Lru<number>(2);
  l.set('a', 1);
  l.set('b', 2);
  l.get('a');
  l.set('c', 3);
  assert.equal(l.get('b'), undefined);
  assert.equal(l.get('a'), 1);
  assert.equal(l.size, 2);
});
