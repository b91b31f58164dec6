import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onAbort } from './abort.js';
import { sleep } from './backoff.js';

test('onAbort: each callback once on abort, none of those taken off, one listener on the signal', () => {
  const ac = new AbortController();
  let added = 0;
  const add = ac.signal.addEventListener.bind(ac.signal);
  ac.signal.addEventListener = ((...args: Parameters<typeof add>) => {
    added++;
    add(...args);
  }) as typeof add;
  const calls: number[] = [];
  const offs = Array.from({ length: 1000 }, (_, i) => onAbort(ac.signal, () => calls.push(i)));
  for (let i = 0; i < 1000; i += 2) offs[i]!();
  assert.equal(added, 1);
  ac.abort();
  ac.abort();
  assert.equal(calls.length, 500);
  assert.ok(calls.every((i) => i % 2 === 1));
  let late = false;
  onAbort(ac.signal, () => (late = true))();
  assert.equal(late, false, 'an aborted signal calls nothing');
});

test('onAbort: a throwing callback does not stop the others, and its error is thrown on its own', () => {
  const ac = new AbortController();
  const seen: string[] = [];
  onAbort(ac.signal, () => {
    throw new Error('boom');
  });
  onAbort(ac.signal, () => seen.push('second'));
  const queued: (() => void)[] = [];
  const real = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (f) => void queued.push(f);
  try {
    ac.abort();
  } finally {
    globalThis.queueMicrotask = real;
  }
  assert.deepEqual(seen, ['second']);
  assert.equal(queued.length, 1);
  assert.throws(queued[0]!, /boom/);
});

test('sleep ends at its time, at abort, and at once on a signal already aborted', async () => {
  const ac = new AbortController();
  const t0 = performance.now();
  await sleep(20, ac.signal);
  assert.ok(performance.now() - t0 >= 15);
  const long = sleep(60_000, ac.signal);
  ac.abort();
  await long;
  await sleep(10, ac.signal); // already aborted: at once
});
