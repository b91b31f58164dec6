/**
 * Integration test: runs the Store contract against a real etcd started from /usr/bin/etcd on
 * 127.0.0.1 (random ports, temporary data dir), then checks that the store survives an etcd
 * restart. Run: node --test apiserver/dist/storage/etcd.itest.js
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { EtcdStore } from './etcd.js';
import { storeContract, takeEvents } from './contract.js';
import { TestEtcd } from './testing/etcd-server.js';

const etcd = new TestEtcd();
before(() => etcd.start());
after(async () => {
  await etcd.stop();
  etcd.cleanup();
});

storeContract('EtcdStore', async () => new EtcdStore({ endpoints: [etcd.endpoint] }));

describe('EtcdStore across an etcd restart', () => {
  it('reports ServiceUnavailable while etcd is down and recovers (including a running watch)', async () => {
    const store = new EtcdStore({ endpoints: [etcd.endpoint], callTimeoutMs: 2_000 });
    try {
      const rev = await store.create('/restart/a', Buffer.from('1'));
      const pending = takeEvents(store, '/restart/', rev + 1, 1, 30_000);
      await new Promise((r) => setTimeout(r, 200));
      await etcd.stop();
      await assert.rejects(
        store.get('/restart/a'),
        (e: unknown) =>
          e instanceof ApiError && e.reason === 'ServiceUnavailable' && e.message.startsWith('etcd is unavailable: '),
      );
      await etcd.start();
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        try {
          await store.update('/restart/a', Buffer.from('2'), rev);
          ok = true;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.ok(ok, 'store did not recover after etcd restarted');
      const evs = await pending;
      assert.equal(evs[0]?.value.toString(), '2');
    } finally {
      await store.close();
    }
  });
});

describe('EtcdStore when etcd applies a write but its answer is lost', () => {
  /** Makes the next txn land in etcd, then fail as "leader changed" (the call is retried). */
  const loseNextAnswer = (store: EtcdStore) => {
    const kv = (store as unknown as { client: { kv: { txn: (req: unknown) => Promise<unknown> } } }).client.kv;
    const real = kv.txn.bind(kv);
    kv.txn = async (req) => {
      kv.txn = real;
      await real(req);
      throw Object.assign(new Error('etcdserver: leader changed'), { code: 14 });
    };
  };

  it('answers the retried create and update as done, at the revision that landed', async () => {
    const store = new EtcdStore({ endpoints: [etcd.endpoint] });
    try {
      loseNextAnswer(store);
      const rev = await store.create('/lost/a', Buffer.from('one'));
      const got = await store.get('/lost/a');
      assert.equal(got?.modRevision, rev);
      loseNextAnswer(store);
      const rev2 = await store.update('/lost/a', Buffer.from('two'), rev);
      assert.equal((await store.get('/lost/a'))?.modRevision, rev2);
      assert.ok(rev2 > rev);
      // Someone else's value is still a conflict after a retry.
      await store.update('/lost/a', Buffer.from('three'), rev2);
      loseNextAnswer(store);
      await assert.rejects(store.create('/lost/a', Buffer.from('mine')), /already exists/);
    } finally {
      await store.close();
    }
  });
});
