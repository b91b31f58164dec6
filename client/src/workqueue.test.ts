import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue } from './workqueue.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('hands each key to one worker at a time and processes a key added meanwhile once more', async () => {
    const q = new WorkQueue();
    const ac = new AbortController();
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const run = q.run(
      4,
      async (key) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        seen.push(key);
        if (seen.length === 1) q.add('a'); // added while 'a' is being processed
        await tick(5);
        inFlight--;
      },
      ac.signal,
    );
    q.add('a');
    q.add('a'); // a queued key is not queued twice
    await tick(40);
    ac.abort();
    await run;
    assert.deepEqual(seen, ['a', 'a']);
    assert.equal(maxInFlight, 1);
  });

  it('retries a failing key with back-off and a result with requeueAfterMs after that delay', async () => {
    const q = new WorkQueue({ baseDelayMs: 5 });
    const ac = new AbortController();
    const at: Record<string, number[]> = { fail: [], again: [] };
    const t0 = Date.now();
    const run = q.run(
      2,
      async (key) => {
        at[key]!.push(Date.now() - t0);
        if (key === 'fail' && at.fail!.length < 3) throw new Error('not yet');
        if (key === 'again' && at.again!.length < 2) return { requeueAfterMs: 30 };
        return undefined;
      },
      ac.signal,
    );
    q.add('fail');
    q.add('again');
    await tick(120);
    ac.abort();
    await run;
    assert.equal(at.fail!.length, 3, 'two failures, then success');
    assert.equal(at.again!.length, 2, 'requeued once, then done');
    assert.ok(at.again![1]! - at.again![0]! >= 25, `requeued after its delay (${at.again})`);
  });
});
