import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ByteLimit, dockerLogOptions, logOptionsFromRequest, logsRequest } from './logopts.js';

const pod = { namespace: 'default', name: 'web', uid: 'u1' };

describe('log options', () => {
  it('reads only the set fields of a LogsRequest and round-trips them', () => {
    const none = logOptionsFromRequest(logsRequest(pod, 'c', { follow: false, previous: false, timestamps: false }));
    assert.deepEqual(none, { follow: false, previous: false, timestamps: false });
    const all = { follow: true, previous: true, timestamps: true, tailLines: 0, sinceSeconds: 5, limitBytes: 10 };
    assert.deepEqual(logOptionsFromRequest(logsRequest(pod, 'c', all)), all, 'tailLines=0 survives thanks to hasTailLines');
  });

  it('maps to Docker: tail, since in unix seconds, follow only while running', () => {
    const now = Date.parse('2026-01-01T00:01:00Z');
    assert.deepEqual(dockerLogOptions({ follow: true, previous: false, timestamps: true, tailLines: 3, sinceSeconds: 60 }, now, true), {
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      tail: 3,
      since: Date.parse('2026-01-01T00:00:00Z') / 1000,
    });
    assert.equal(dockerLogOptions({ follow: true, previous: false, timestamps: false }, now, false).follow, false);
    assert.equal(dockerLogOptions({ follow: false, previous: false, timestamps: false, sinceTime: '2026-01-01T00:00:30.5Z' }, now, true).since, Date.parse('2026-01-01T00:00:30Z') / 1000);
    assert.throws(() => dockerLogOptions({ follow: false, previous: false, timestamps: false, sinceTime: 'yesterday' }, now, true), /sinceTime/);
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
