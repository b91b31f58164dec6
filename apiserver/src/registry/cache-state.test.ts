import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { CacheState } from './cache-state.js';

describe('CacheState', () => {
  it('keeps a listed value in bytes of its own, not as a view that holds the whole list response', () => {
    const message = Buffer.alloc(64 * 1024);
    const value = message.subarray(1000, 1010);
    value.write('{"kind":1}');
    const state = new CacheState();
    state.fill(
      [{ key: '/a', value, modRevision: 3, createRevision: 3 }],
      5,
      (raw) => JSON.parse(raw.toString()) as KubeObject,
    );
    const raw = state.get('/a')?.raw;
    assert.equal(raw?.toString(), '{"kind":1}');
    assert.equal(raw?.buffer.byteLength, 10);
    assert.equal(state.rev, 5);
  });
});
