import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff, goDuration } from './backoff.js';
import { ManualClock } from './testing/fakes.js';

describe('RestartBackoff', () => {
  it('doubles from base to max, measured from the event', () => {
    const clock = new ManualClock(0);
    const b = new RestartBackoff(clock, 10_000, 40_000);
    assert.equal(b.remaining('k', 0), 0, 'no entry: go');
    b.next('k', 0);
    assert.equal(b.delay('k'), 10_000);
    clock.advance(4_000);
    assert.equal(b.remaining('k', 1_000), 7_000);
    b.next('k', 5_000);
    b.next('k', 6_000);
    assert.equal(b.delay('k'), 40_000);
    b.next('k', 7_000);
    assert.equal(b.delay('k'), 40_000, 'capped');
  });

  it('starts over after 2·max without use, on reset and per pod', () => {
    const clock = new ManualClock(0);
    const b = new RestartBackoff(clock, 1_000, 4_000);
    b.next('k', 0);
    b.next('k', 1);
    assert.equal(b.delay('k'), 2_000);
    b.next('k', 8_002);
    assert.equal(b.delay('k'), 1_000);
    b.reset('k');
    assert.equal(b.delay('k'), 0);
    b.next('uid1/a', 0);
    b.next('uid2/a', 0);
    b.forgetPrefix('uid1/');
    assert.equal(b.size, 1);
    clock.advance(8_001);
    b.gc();
    assert.equal(b.size, 0);
  });

  it('formats durations like Go', () => {
    assert.equal(goDuration(10_000), '10s');
    assert.equal(goDuration(80_000), '1m20s');
    assert.equal(goDuration(300_000), '5m0s');
    assert.equal(goDuration(2_500), '2.5s');
    assert.equal(goDuration(3_600_000), '1h0m0s');
  });
});
