import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Semaphore, TimeoutError, withTimeout } from './limiter.js';

describe('Semaphore', () => {
  it('never runs more than its limit at once, and runs everything', async () => {
    const sem = new Semaphore(3);
    let active = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const jobs = Array.from({ length: 10 }, (_, i) =>
      sem.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((r) => gates.push(r));
        active--;
        return i;
      }),
    );
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setImmediate(r));
      assert.ok(sem.inUse <= 3);
      gates.shift()?.();
    }
    while (gates.length) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(peak, 3);
    assert.equal(sem.inUse, 0);
  });

  it('frees the slot when the job throws', async () => {
    const sem = new Semaphore(1);
    await assert.rejects(sem.run(() => Promise.reject(new Error('x'))));
    assert.equal(await sem.run(() => Promise.resolve(7)), 7);
  });
});

describe('withTimeout', () => {
  it('rejects at the deadline and aborts the call, even if the call never settles', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let aborted = false;
      const p = withTimeout('docker stop abc', 5_000, (signal) => {
        signal.addEventListener('abort', () => (aborted = true));
        return new Promise<never>(() => undefined);
      });
      mock.timers.tick(4_999);
      assert.equal(aborted, false);
      mock.timers.tick(1);
      await assert.rejects(
        p,
        (e: unknown) => e instanceof TimeoutError && e.message === 'docker stop abc: timed out after 5s',
      );
      assert.equal(aborted, true);
    } finally {
      mock.timers.reset();
    }
  });

  it('passes results and errors through', async () => {
    assert.equal(await withTimeout('x', 1000, () => Promise.resolve(1)), 1);
    await assert.rejects(
      withTimeout('x', 1000, () => Promise.reject(new Error('boom'))),
      /boom/,
    );
  });
});
