import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { intValue, milliValue, parseQuantity, tryParseQuantity } from './quantity.js';

test('parseQuantity: decimal, binary and exponent forms', () => {
  assert.equal(parseQuantity('100m'), 0.1);
  assert.equal(parseQuantity('2'), 2);
  assert.equal(parseQuantity('0.5'), 0.5);
  assert.equal(parseQuantity('.5'), 0.5);
  assert.equal(parseQuantity('1Ki'), 1024);
  assert.equal(parseQuantity('128Mi'), 128 * 1024 * 1024);
  assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(parseQuantity('1G'), 1e9);
  assert.equal(parseQuantity('3k'), 3000);
  assert.equal(parseQuantity('2e3'), 2000);
  assert.equal(parseQuantity('5E-1'), 0.5);
  assert.equal(parseQuantity(4), 4);
});

test('milliValue and intValue round up like upstream', () => {
  assert.equal(milliValue('100m'), 100);
  assert.equal(milliValue('0.1'), 100);
  assert.equal(milliValue('1.1'), 1100);
  assert.equal(milliValue('1'), 1000);
  assert.equal(milliValue('1n'), 1);
  assert.equal(intValue('1500m'), 2);
  assert.equal(intValue('1Mi'), 1048576);
  assert.equal(intValue('64M'), 64_000_000);
});

test('invalid quantities are rejected with the upstream regular expression', () => {
  for (const bad of ['', 'abc', '1X', '1 Gi', '--1', '1Gib', 'm']) {
    assert.throws(() => parseQuantity(bad), (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest' && e.message.includes('quantities must match'), bad);
  }
  assert.equal(tryParseQuantity('nope'), undefined);
  assert.equal(tryParseQuantity(undefined), undefined);
  assert.equal(tryParseQuantity('2Gi'), 2 * 2 ** 30);
});
