import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicLayout } from './content.js';
import { LocalContent } from './localdir.js';

test("content written into the kubelet's own directory with the atomic layout; a rewrite swaps ..data and drops the old version", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-localdir-'));
  try {
    const lc = new LocalContent({ path: dir, hostPath: '/host/pods' });
    await lc.write(
      'u1',
      'kube-api-access-x',
      atomicLayout(
        [
          { path: 'token', content: 't1', mode: 0o644 },
          { path: 'ca.crt', content: 'ca', mode: 0o644 },
        ],
        'v1',
      ),
    );
    const root = join(dir, 'u1', 'volumes', 'kube-api-access-x');
    assert.equal(readFileSync(join(root, 'token'), 'utf8'), 't1');
    assert.equal(readlinkSync(join(root, 'token')), '..data/token');
    await lc.write(
      'u1',
      'kube-api-access-x',
      atomicLayout(
        [
          { path: 'token', content: 't2', mode: 0o644 },
          { path: 'ca.crt', content: 'ca', mode: 0o644 },
        ],
        'v2',
      ),
    );
    assert.equal(readFileSync(join(root, 'token'), 'utf8'), 't2');
    assert.deepEqual(readdirSync(root).sort(), ['..data', '..v2', 'ca.crt', 'token']);
    assert.equal(lc.hostPathOf('u1', 'kube-api-access-x'), '/host/pods/u1/volumes/kube-api-access-x');
    await lc.write('u2', 'v', atomicLayout([], 'v1'));
    assert.equal(await lc.removeOthers(new Set(['u1'])), 1);
    assert.deepEqual(readdirSync(dir), ['u1']);
    await lc.remove('u1');
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
