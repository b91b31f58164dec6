import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ByteLimit, containerLogOptions } from './logopts.js';

describe('log options', () => {
  it('maps to the runtime: tail, since as a time, follow only while running', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    assert.deepEqual(
      containerLogOptions(
        { follow: true, previous: false, timestamps: true, tailLines: 3, sinceSeconds: 60 },
        now,
        true,
      ),
      {
        follow: true,
        timestamps: true,
        tailLines: 3,
        sinceMs: Date.parse('2026-01-01T00:00:00Z'),
      },
    );
    assert.equal(containerLogOptions({ follow: true, previous: false, timestamps: false }, now, false).follow, false);
    assert.equal(
      containerLogOptions(
        { follow: false, previous: false, timestamps: false, sinceTime: '2026-01-01T00:00:30.5Z' },
        now,
        true,
      ).sinceMs,
      Date.parse('2026-01-01T00:00:30.5Z'),
    );
    assert.throws(
      () =>
        containerLogOptions({ follow: false, previous: false, timestamps: false, sinceTime: 'yesterday' }, now, true),
      /sinceTime/,
    );
  });

  it('ByteLimit passes exactly limit bytes and reports the cut', async () => {
    let cut = 0;
    const out: Buffer[] = [];
    const lim = new ByteLimit(7, () => cut++);
    Readable.from([Buffer.from('abcd'), Buffer.from('efgh'), Buffer.from('ijk')]).pipe(lim);
    for await (const b of lim) out.push(b as Buffer);
    assert.equal(Buffer.concat(out).toString(), 'abcdefg');
    assert.equal(cut, 1);
  });
});
