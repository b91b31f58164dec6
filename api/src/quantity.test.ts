import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import {
  intValue,
  milliValue,
  parseQuantity,
  parseQuantityValue,
  quantityError,
  tryParseQuantity,
  QUANTITY_FORMAT_ERROR,
  QUANTITY_RANGE_ERROR,
  QUANTITY_SUFFIX_ERROR,
} from './quantity.js';
import { canonicalQuantity, compareQuantities } from './quantity-format.js';

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
  assert.equal(parseQuantity('1E'), 1e18);
  assert.equal(parseQuantity(4), 4);
  assert.equal(parseQuantity('-1Gi'), -(2 ** 30));
  assert.equal(parseQuantity('+1'), 1);
});

test('milliValue and intValue round up like upstream', () => {
  assert.equal(milliValue('100m'), 100);
  assert.equal(milliValue('0.1'), 100);
  assert.equal(milliValue('1.1'), 1100);
  assert.equal(milliValue('1'), 1000);
  assert.equal(milliValue('1n'), 1);
  assert.equal(milliValue('0.0001'), 1);
  assert.equal(intValue('1500m'), 2);
  assert.equal(intValue('1Mi'), 1048576);
  assert.equal(intValue('64M'), 64_000_000);
  // below a nano, a request still gets the smallest unit
  assert.deepEqual(parseQuantityValue('1e-400'), {
    negative: false,
    unscaled: 1n,
    scale: 9,
    format: 'DecimalExponent',
  });
});

test('invalid quantities are rejected with upstream messages; out of range is refused', () => {
  for (const bad of ['', 'abc', '1X', '1 Gi', ' 1', '--1', 'm', '.', '1.2.3', '1e1.5', '1Gib']) {
    assert.throws(
      () => parseQuantity(bad),
      (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest' && e.message.includes('quantities must match'),
      bad,
    );
    assert.equal(quantityError(bad), QUANTITY_FORMAT_ERROR, bad);
  }
  for (const bad of ['1K', '1e', '1Ki3', '1mi']) assert.equal(quantityError(bad), QUANTITY_SUFFIX_ERROR, bad);
  for (const bad of [
    '1e400',
    '9Ei',
    '8Ei',
    '1e19',
    '99999999999999999999',
    '1e99999999999999999999',
    `1${'0'.repeat(100)}`,
  ])
    assert.equal(quantityError(bad), QUANTITY_RANGE_ERROR, bad);
  assert.equal(quantityError('7Ei'), undefined);
  assert.equal(quantityError('9223372036854775807'), undefined);
  assert.equal(quantityError(true), QUANTITY_FORMAT_ERROR);
  assert.equal(quantityError({}), QUANTITY_FORMAT_ERROR);
  assert.equal(quantityError(0.25), undefined);
  assert.equal(quantityError(Infinity), QUANTITY_FORMAT_ERROR);
  assert.equal(tryParseQuantity('nope'), undefined);
  assert.equal(tryParseQuantity('1e400'), undefined, 'the scheduler and the kubelet never see Infinity');
  assert.equal(tryParseQuantity(undefined), undefined);
  assert.equal(tryParseQuantity('2Gi'), 2 * 2 ** 30);
});

test('canonical forms and comparison, as upstream prints quantities', () => {
  const cases: [string, string][] = [
    ['1.5', '1500m'],
    ['1000m', '1'],
    ['2000', '2k'],
    ['-1Gi', '-1Gi'],
    ['0.5Gi', '512Mi'],
    ['1536Mi', '1536Mi'],
    ['1024Ki', '1Mi'],
    ['100Mi', '100Mi'],
    ['1e3', '1e3'],
    ['1500e-3', '1500e-3'],
    ['0', '0'],
    ['0.1m', '100u'],
    ['512', '512'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['129M', '129M'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
  const q = (s: string) => parseQuantityValue(s);
  assert.equal(compareQuantities(q('2'), q('1')), 1);
  assert.equal(compareQuantities(q('1000m'), q('1')), 0);
  assert.equal(compareQuantities(q('1Gi'), q('1G')), 1);
  assert.equal(compareQuantities(q('-1'), q('0')), -1);
});
