import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ownBytes } from './own-bytes.js';

describe('ownBytes', () => {
  it('copies a view into a larger allocation (a pool slice, a part of a message) into one of its own size', () => {
    for (const view of [Buffer.from('a small value, from the pool'), Buffer.alloc(64 * 1024, 7).subarray(100, 1300)]) {
      assert.ok(view.buffer.byteLength > view.byteLength, 'the view is part of a larger ArrayBuffer');
      const own = ownBytes(view);
      assert.deepEqual(own, view);
      assert.equal(own.buffer.byteLength, view.byteLength);
      assert.equal(own.byteOffset, 0);
      assert.notEqual(own.buffer, view.buffer);
    }
  });

  it('returns a Buffer that already spans its whole ArrayBuffer as it is', () => {
    const whole = Buffer.alloc(5000, 1);
    assert.equal(ownBytes(whole), whole);
    const empty = Buffer.alloc(0);
    assert.equal(ownBytes(empty), empty);
  });
});
