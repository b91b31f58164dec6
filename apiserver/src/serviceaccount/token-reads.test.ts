import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '@kubelab/api';
import { MemoryStore } from '../storage/memory.js';
import { bootstrap } from '../registry/bootstrap.js';
import { StoreRegistry } from '../registry/registry.js';
import { laggingStore, pod } from '../registry/testing.js';
import { serviceAccountTokens } from './setup.js';
import { requestToken } from './token-request.js';
import { keyPair, nodeUser as node, tokenOf } from './testing.js';

const ISS = 'https://kubernetes.default.svc.cluster.local';

/** A registry whose storage watch delivers each event 40 ms late, its token machinery, and a count of storage gets. */
async function setup() {
  const { store, gets } = laggingStore(new MemoryStore());
  const registry = new StoreRegistry(store, { namespacePollMs: 5 });
  await bootstrap(registry);
  const sa = serviceAccountTokens(registry, keyPair(), ISS, { now: () => Date.now() }, pino({ level: 'silent' }));
  await registry.create('serviceaccounts', 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'app' },
  });
  return { registry, sa, gets };
}

/** Waits until the pods cache holds the pod at the uid and node given. */
async function cached(registry: StoreRegistry, name: string, uid: string, nodeName: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const o = await registry.get('pods', 'default', name, { cacheOnly: true, shared: true }).catch(() => undefined);
    if (o?.metadata.uid === uid && (o.spec as { nodeName?: string }).nodeName === nodeName) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`the pods cache never held ${name} on ${nodeName}`);
}

const bound = (p: KubeObject) => ({
  spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: p.metadata.name, uid: p.metadata.uid } },
});

test('a node’s TokenRequest for a pod the cache holds on that node reads no storage; a refusal is decided on storage', async () => {
  const { registry, sa, gets } = await setup();
  const web = await registry.create('pods', 'default', pod('web', {}, { serviceAccountName: 'app', nodeName: 'n1' }));
  await cached(registry, 'web', web.metadata.uid!, 'n1');
  // The ServiceAccount's create was this apiserver's last write of ServiceAccounts: a first
  // request may read it from storage until the cache has caught up with it.
  await requestToken(registry, sa.issuer, 'default', 'app', bound(web), node('n1'));

  const before = gets();
  const token = tokenOf(await requestToken(registry, sa.issuer, 'default', 'app', bound(web), node('n1')));
  assert.equal(gets(), before, 'the ServiceAccount and the pod from the watch cache');
  assert.equal((await sa.authenticate(token))?.name, 'system:serviceaccount:default:app');

  const refused = gets();
  await assert.rejects(requestToken(registry, sa.issuer, 'default', 'app', bound(web), node('n2')), {
    message: 'serviceaccounts "app" is forbidden: node requested token bound to a pod scheduled on a different node',
  });
  assert.equal(gets(), refused + 1, 'the refusal read the pod from storage');
});

test('a TokenRequest for a pod made again under its name reads storage while the cache has the old pod; the old pod’s tokens never authenticate', async () => {
  const { registry, sa, gets } = await setup();
  const old = await registry.create('pods', 'default', pod('web', {}, { serviceAccountName: 'app', nodeName: 'n1' }));
  await cached(registry, 'web', old.metadata.uid!, 'n1');
  await registry.delete('pods', 'default', 'web', { gracePeriodSeconds: 0 });
  const again = await registry.create('pods', 'default', pod('web', {}, { serviceAccountName: 'app', nodeName: 'n1' }));
  const before = gets();
  const tr = await requestToken(registry, sa.issuer, 'default', 'app', bound(again), node('n1'));
  assert.ok(gets() > before, 'the cache still has the old pod: storage');
  assert.equal((tr['spec'] as { boundObjectRef: { uid: string } }).boundObjectRef.uid, again.metadata.uid);
  // The old pod's uid while the cache may still hold the old pod: refused, or (from the cache) a
  // token that never authenticates, as the authenticator checks the pod on storage.
  const stale = await requestToken(registry, sa.issuer, 'default', 'app', bound(old), node('n1')).catch(
    (err: Error) => err,
  );
  if (stale instanceof Error) assert.match(stale.message, /does not match the UID in record/);
  else assert.equal(await sa.authenticate(tokenOf(stale)), undefined, 'bound to a pod that is gone');
});
