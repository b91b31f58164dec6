import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { MemoryStore } from '../storage/memory.js';
import { StoreRegistry } from '../registry/registry.js';
import { bootstrap } from '../registry/bootstrap.js';
import { bootstrapTokenAuthenticator } from './bootstrap-token.js';
import { seedBootstrapToken } from './seed-token.js';

const log = pino({ level: 'silent' });

test("seedBootstrapToken: the lab's token becomes a bootstrap-token Secret once; deleted, it stays deleted; a new token is seeded", async () => {
  const registry = new StoreRegistry(new MemoryStore());
  try {
    await bootstrap(registry);
    const auth = bootstrapTokenAuthenticator(registry);
    const token = 'abcdef.0123456789abcdef';
    assert.equal(await auth(token), undefined);
    assert.equal(await seedBootstrapToken(registry, token, log), 'created');
    const user = await auth(token);
    assert.equal(user?.name, 'system:bootstrap:abcdef');
    assert.ok(user?.groups.includes('system:bootstrappers:kubelab:default-node-token'), JSON.stringify(user));
    assert.equal(await seedBootstrapToken(registry, token, log), 'seeded before', 'a restart changes nothing');
    await registry.delete('secrets', 'kube-system', 'bootstrap-token-abcdef', {});
    assert.equal(await seedBootstrapToken(registry, token, log), 'seeded before');
    assert.equal(await auth(token), undefined, 'a deleted token stays revoked across restarts');
    assert.equal(await seedBootstrapToken(registry, 'ghijkl.0123456789abcdef', log), 'created');
    assert.equal((await auth('ghijkl.0123456789abcdef'))?.name, 'system:bootstrap:ghijkl');
    await assert.rejects(seedBootstrapToken(registry, 'nope', log), /must match/);
  } finally {
    await registry.close();
  }
});
