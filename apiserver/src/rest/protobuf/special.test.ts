import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration } from './special.js';

test('goDuration formats like Go time.Duration.String()', () => {
  const s = 1_000_000_000n;
  assert.equal(goDuration(0n), '0s');
  assert.equal(goDuration(1n), '1ns');
  assert.equal(goDuration(1500n), '1.5µs');
  assert.equal(goDuration(2_000_000n), '2ms');
  assert.equal(goDuration(30n * s), '30s');
  assert.equal(goDuration(90n * s), '1m30s');
  assert.equal(goDuration(3600n * s), '1h0m0s');
  assert.equal(goDuration(3600n * s + 1_500_000_000n), '1h0m1.5s');
  assert.equal(goDuration(-5n * s), '-5s');
});
