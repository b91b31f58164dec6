import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execExit, execOptionsOf, execResultOf, execStart, logOptionsOf, logsRequest } from './kubelet.js';

const pod = { namespace: 'default', name: 'web', uid: 'u1' };

describe('Kubelet service codecs', () => {
  it('a LogsRequest carries only the set options and round-trips them', () => {
    const none = logOptionsOf(logsRequest(pod, 'c', { follow: false, previous: false, timestamps: false }));
    assert.deepEqual(none, { follow: false, previous: false, timestamps: false });
    const all = {
      follow: true,
      previous: true,
      timestamps: true,
      tailLines: 0,
      sinceSeconds: 5,
      sinceTime: '2026-01-01T00:00:00Z',
      limitBytes: 10,
    };
    const req = logsRequest(pod, 'c', all);
    assert.equal(req.container, 'c');
    assert.deepEqual(req.pod, pod);
    assert.deepEqual(logOptionsOf(req), all, 'tailLines=0 survives thanks to hasTailLines');
  });

  it('exec start and exit round-trip', () => {
    const o = { command: ['sh', '-c', 'true'], stdin: true, stdout: true, stderr: false, tty: true };
    const start = execStart(pod, 'app', o, false);
    assert.deepEqual(start, { pod, container: 'app', ...o, attach: false });
    assert.deepEqual(execOptionsOf(start), o);
    assert.equal(execStart(pod, 'app', o, true).attach, true);
    assert.deepEqual(execResultOf(execExit({ code: 3 })), { code: 3 });
    assert.deepEqual(execResultOf(execExit({ code: 0 })), { code: 0 });
    assert.deepEqual(execResultOf(execExit({ error: 'no exit code' })), { error: 'no exit code' });
  });
});
