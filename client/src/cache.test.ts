import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitForCacheSync } from './cache.js';

/** A cache whose sync the test decides. */
function gate(): { hasSynced(): boolean; waitForSync(): Promise<void>; open(): void } {
  let synced = false;
  let release: () => void = () => {};
  const p = new Promise<void>((r) => (release = r));
  return {
    hasSynced: () => synced,
    waitForSync: () => p,
    open: () => {
      synced = true;
      release();
    },
  };
}

describe('waitForCacheSync', () => {
  it('resolves true once every cache has synced', async () => {
    const a = gate();
    const b = gate();
    const ac = new AbortController();
    const done = waitForCacheSync([a, b], ac.signal);
    a.open();
    await new Promise((r) => setImmediate(r));
    let settled = false;
    void done.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'one cache still filling');
    b.open();
    assert.equal(await done, true);
  });

  it('resolves false when the signal aborts first, and at once for an aborted signal', async () => {
    const a = gate();
    const ac = new AbortController();
    const done = waitForCacheSync([a], ac.signal);
    ac.abort();
    assert.equal(await done, false);
    assert.equal(await waitForCacheSync([a], ac.signal), false);
  });

  it('resolves false after the timeout, true at once when all have synced', async () => {
    const a = gate();
    const ac = new AbortController();
    assert.equal(await waitForCacheSync([a], ac.signal, { timeoutMs: 5 }), false);
    a.open();
    assert.equal(await waitForCacheSync([a], ac.signal, { timeoutMs: 5 }), true);
    assert.equal(await waitForCacheSync([], ac.signal), true);
  });
});
