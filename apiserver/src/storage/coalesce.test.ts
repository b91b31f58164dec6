import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Coalescer } from './coalesce.js';

/** A read whose answers the test releases one at a time; counts the reads begun. */
function manual() {
  const pending: ((v: number) => void)[] = [];
  let begun = 0;
  const c = new Coalescer(() => {
    begun++;
    return new Promise<number>((r) => pending.push(r));
  });
  return { c, begun: () => begun, answer: (v: number) => pending.shift()!(v) };
}

test('callers during a read wait for the next one, which serves them all', async () => {
  const { c, begun, answer } = manual();
  const a = c.get();
  const b = c.get();
  const d = c.get();
  assert.equal(begun(), 1, 'b and d do not start reads of their own');
  answer(10);
  assert.equal(await a, 10);
  await new Promise((r) => setImmediate(r));
  assert.equal(begun(), 2, 'the queued callers get one read that began after they asked');
  answer(11);
  assert.deepEqual([await b, await d], [11, 11]);
  const e = c.get();
  assert.equal(begun(), 3, 'idle: a new caller starts a read at once');
  answer(12);
  assert.equal(await e, 12);
});

test('a failed read fails its callers only; the queued ones get a fresh read', async () => {
  let n = 0;
  const c = new Coalescer(async () => {
    n++;
    if (n === 1) throw new Error('etcd away');
    return n;
  });
  const a = c.get();
  const b = c.get();
  await assert.rejects(a, /etcd away/);
  assert.equal(await b, 2);
});
