import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { MemoryStore } from './memory.js';
import { storeContract } from './contract.js';

storeContract('MemoryStore', async () => new MemoryStore());

it('MemoryStore fails every call while unavailable', async () => {
  const s = new MemoryStore();
  s.setAvailable(false);
  await assert.rejects(s.get('/a'), (e: unknown) => e instanceof ApiError && e.reason === 'ServiceUnavailable');
  s.setAvailable(true);
  assert.equal(await s.get('/a'), undefined);
});
