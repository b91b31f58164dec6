import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchEvent, WatchEvents } from '@kubelab/proto';
import { WatchBatcher, type MessageSink } from './watch-batch.js';

/** A sink whose writes complete when the test says so. */
class ManualSink implements MessageSink {
  readonly messages: string[][] = [];
  private pending: ((err?: Error | null) => void)[] = [];
  write(message: WatchEvents, done: (err?: Error | null) => void): void {
    this.messages.push(message.events.map((e) => e.object.toString()));
    this.pending.push(done);
  }
  complete(err?: Error): void {
    this.pending.shift()?.(err);
  }
}

const ev = (name: string, bytes = 1): WatchEvent => ({ type: 'ADDED', object: Buffer.from(name.padEnd(bytes, '.')) });

describe('WatchBatcher', () => {
  it('sends an event at once when idle, and what came meanwhile in the next message', async () => {
    const sink = new ManualSink();
    const b = new WatchBatcher(sink);
    assert.equal(b.add(ev('a')), undefined);
    void b.add(ev('b'));
    void b.add(ev('c'));
    assert.deepEqual(sink.messages, [['a']]);
    sink.complete();
    assert.deepEqual(sink.messages, [['a'], ['b', 'c']]);
    const drained = b.drain();
    sink.complete();
    await drained;
    assert.deepEqual(sink.messages, [['a'], ['b', 'c']]);
  });

  it('holds the reader back once maxBytes wait, and lets it go when they are being written', async () => {
    const sink = new ManualSink();
    const b = new WatchBatcher(sink, 10);
    void b.add(ev('a'));
    assert.equal(b.add(ev('b', 4)), undefined);
    const held = b.add(ev('c', 6));
    assert.ok(held, 'the backlog reached maxBytes');
    let released = false;
    void held.then(() => (released = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(released, false);
    sink.complete();
    await held;
    assert.deepEqual(sink.messages[1], ['b...', 'c.....']);
  });

  it('fails what follows a failed write, and wakes a held reader when aborted', async () => {
    const sink = new ManualSink();
    const b = new WatchBatcher(sink, 1);
    const held = b.add(ev('a'));
    sink.complete(new Error('broken pipe'));
    await held;
    assert.throws(() => b.add(ev('b')), /broken pipe/);
    await assert.rejects(b.drain(), /broken pipe/);

    const c = new WatchBatcher(new ManualSink(), 1);
    const waiting = c.add(ev('x'));
    c.abort();
    await waiting;
    assert.throws(() => c.add(ev('y')), /closed/);
  });
});
