import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AsyncQueue } from './queue.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function drain<T>(q: AsyncQueue<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of q) out.push(x);
  return out;
}

describe('AsyncQueue', () => {
  it('yields what was pushed, in order, also to a consumer already waiting; ends after close once drained', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    const all = drain(q);
    q.push(2);
    await new Promise((r) => setTimeout(r, 1));
    q.push(3);
    q.close();
    assert.equal(q.push(4), false, 'closed: dropped');
    assert.deepEqual(await all, [1, 2, 3]);
  });

  it('fail ends iteration with the error (queued items dropped), also for a waiting consumer', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.fail(new Error('gone'));
    await assert.rejects(drain(q), /gone/);
    const w = new AsyncQueue<number>();
    const waiting = drain(w);
    await new Promise((r) => setTimeout(r, 1));
    w.fail(new Error('later'));
    await assert.rejects(waiting, /later/);
  });

  it('a consumer that breaks out stops; many items keep their order across the compaction of its buffer', async () => {
    const q = new AsyncQueue<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    let n = 0;
    for await (const x of q) {
      assert.equal(x, n++);
      if (n === 3000) break;
    }
    assert.equal(q.size, 2000);
  });

  it('keeps no reference to an item once the consumer has it, with items still queued and once drained', async () => {
    const q = new AsyncQueue<{ payload: Uint8Array } | number>();
    const refs: WeakRef<object>[] = [];
    const pushItem = (): void => {
      const item = { payload: new Uint8Array(1 << 20) }; // in a function of its own: no register of ours holds it
      refs.push(new WeakRef(item));
      q.push(item);
    };
    for (let i = 0; i < 3; i++) pushItem();
    q.push(4);
    const it = q[Symbol.asyncIterator]();
    const take = async (): Promise<unknown> => typeof (await it.next()).value; // drops the item itself
    await take();
    await take(); // two consumed, one object and a number still queued
    await new Promise((r) => setImmediate(r)); // WeakRefs hold their targets until the job ends
    gc();
    assert.deepEqual(
      refs.map((r) => r.deref() === undefined),
      [true, true, false],
      'consumed items released, the queued one kept',
    );
    await take();
    assert.equal(await take(), 'number');
    assert.equal(q.size, 0);
    await new Promise((r) => setImmediate(r));
    gc();
    assert.equal(refs[2]?.deref(), undefined, 'drained: nothing kept');
  });
});
