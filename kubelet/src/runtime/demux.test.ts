import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Demuxer, frame } from './demux.js';

describe('Demuxer', () => {
  it('splits frames joined in one chunk and frames split across chunks', () => {
    const got: string[] = [];
    const d = new Demuxer((k, b) => got.push(`${k}:${b.toString()}`));
    const all = Buffer.concat([frame('stdout', 'hello\n'), frame('stderr', 'oops\n'), frame('stdout', 'bye')]);
    d.push(all.subarray(0, 3));
    assert.deepEqual(got, []);
    d.push(all.subarray(3, 20));
    assert.deepEqual(got, ['stdout:hello\n']);
    d.push(all.subarray(20));
    assert.deepEqual(got, ['stdout:hello\n', 'stderr:oops\n', 'stdout:bye']);
    assert.equal(d.pending, 0);
  });
});
