import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339 } from './time.js';

test('rfc3339: seconds precision, each second its own text however the calls interleave', () => {
  assert.equal(rfc3339(Date.UTC(2026, 11, 3, 5, 0, 0, 999)), '2026-12-03T05:00:00Z');
  assert.equal(rfc3339(Date.UTC(2026, 11, 3, 5, 0, 1, 0)), '2026-12-03T05:00:01Z');
  assert.equal(rfc3339(Date.UTC(2026, 11, 3, 5, 0, 1, 500)), '2026-12-03T05:00:01Z');
  assert.equal(rfc3339(Date.UTC(2026, 11, 3, 5, 0, 0, 0)), '2026-12-03T05:00:00Z', 'back in time');
  assert.equal(rfc3339(0), '1970-01-01T00:00:00Z');
  assert.throws(() => rfc3339(Number.NaN), RangeError);
  assert.throws(() => rfc3339(Number.NaN), RangeError, 'twice: an invalid time is never remembered');
});
