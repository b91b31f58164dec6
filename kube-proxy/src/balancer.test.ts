import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRobin, backendKey, sameBackends } from './balancer.js';

const b = (ip: string, port = 80) => ({ ip, port });
const firsts = (rr: RoundRobin, n: number): string[] => Array.from({ length: n }, () => rr.candidates()[0]?.ip ?? '-');

test('round robin cycles through backends in order', () => {
  const rr = new RoundRobin([b('a'), b('b'), b('c')]);
  assert.deepEqual(firsts(rr, 7), ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
});

test('candidates list every backend once, starting with the chosen one', () => {
  const rr = new RoundRobin([b('a'), b('b'), b('c')]);
  rr.candidates();
  assert.deepEqual(
    rr.candidates().map((x) => x.ip),
    ['b', 'c', 'a'],
  );
});

test('no backends gives no candidates', () => {
  const rr = new RoundRobin();
  assert.deepEqual(rr.candidates(), []);
  rr.set([b('a')]);
  assert.deepEqual(firsts(rr, 2), ['a', 'a']);
  rr.set([]);
  assert.deepEqual(rr.candidates(), []);
});

test('the backend whose turn it is keeps its turn across a change', () => {
  const rr = new RoundRobin([b('a'), b('b'), b('c')]);
  rr.candidates(); // a; b is due
  rr.set([b('x'), b('a'), b('b'), b('c')]);
  assert.deepEqual(firsts(rr, 4), ['b', 'c', 'x', 'a']);
});

test('removing the due backend moves on without going out of range', () => {
  const rr = new RoundRobin([b('a'), b('b'), b('c')]);
  rr.candidates();
  rr.candidates(); // c is due
  rr.set([b('a'), b('b')]);
  const got = firsts(rr, 4);
  assert.ok(got.every((x) => x === 'a' || x === 'b'));
  assert.deepEqual(new Set(got), new Set(['a', 'b']));
});

test('duplicate backends are kept once', () => {
  const rr = new RoundRobin([b('a'), b('a'), b('b')]);
  assert.equal(rr.size, 2);
  assert.deepEqual(rr.list().map(backendKey), ['a:80', 'b:80']);
});

test('sameBackends compares ip, port and order', () => {
  assert.ok(sameBackends([b('a')], [b('a')]));
  assert.ok(!sameBackends([b('a')], [b('a', 81)]));
  assert.ok(!sameBackends([b('a'), b('b')], [b('b'), b('a')]));
});
