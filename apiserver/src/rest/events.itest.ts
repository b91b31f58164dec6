/**
 * Integration test: Events as upstream against a real apiserver on a real etcd, with the
 * components' recorder on the real gRPC client and the real kubectl. Repeats of an event update
 * one Event (`kubectl describe` shows `(x12 over 5m)`), concurrent repeats lose no count.
 * Run with
 *   node --test apiserver/dist/rest/events.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeEvent, KubeObject } from '@kubelab/api';
import { ApiEventRecorder } from '@kubelab/client/events';
import { findKubectl } from './testing/harness.js';
import { StoreCluster } from './testing/store-cluster.js';

const KUBECTLS = ['kubectl.1.27', 'kubectl.1.33']
  .map((n) => [n, findKubectl(n)] as const)
  .filter((e): e is readonly [string, string] => e[1] !== undefined);

describe('Events on a real apiserver', () => {
  const c = new StoreCluster();
  let pod: KubeObject;
  before(async () => {
    await c.start();
    pod = await c.client.create<KubeObject>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'crashy', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'busybox' }] },
    });
  });
  after(() => c.stop());

  const eventsOf = async (name: string): Promise<KubeEvent[]> =>
    (await c.client.list<KubeEvent>('events', { namespace: 'default', fieldSelector: `involvedObject.name=${name}` }))
      .items;

  test('12 repeats over 5 minutes are one Event with count 12; kubectl describe shows (x12 over 5m)', async () => {
    const clock = { t: Date.now() - 300_000, now: () => clock.t };
    const rec = new ApiEventRecorder(c.client, { component: 'kubelet', host: 'node-1', clock });
    for (let i = 0; i < 12; i++) {
      rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container app in pod crashy_default');
      await rec.flush();
      clock.t += 300_000 / 11;
    }
    const evs = (await eventsOf('crashy')).filter((e) => e.reason === 'BackOff');
    assert.equal(evs.length, 1);
    assert.equal(evs[0]!.count, 12);
    assert.ok(KUBECTLS.length > 0, 'no kubectl found');
    for (const [name, bin] of KUBECTLS) {
      const out = await c.kubectl(bin, ['describe', 'pod', 'crashy']);
      assert.equal(out.code, 0, out.stderr);
      assert.match(
        out.stdout,
        /Warning\s+BackOff\s+\S+ \(x12 over 5m(\d+s)?\)\s+kubelet\s+Back-off restarting failed container app/,
        `${name}:\n${out.stdout}`,
      );
    }
  });

  test('concurrent repeats from one recorder and a writer that changes the Event meanwhile lose no count', async () => {
    const clock = { t: Date.now(), now: () => clock.t };
    const other: KubeObject = { ...pod, metadata: { ...pod.metadata, name: 'other', uid: 'other-uid' } };
    const rec = new ApiEventRecorder(c.client, {
      component: 'kubelet',
      host: 'node-1',
      clock,
      correlation: { burst: 1000 },
    });
    rec.event(other, 'Normal', 'Pulled', 'already present');
    await rec.flush();
    const [first] = await eventsOf('other');
    // Someone else bumps the count (a second writer): the recorder's next update conflicts.
    await c.client.update<KubeEvent>('events', { ...first!, count: (first!.count ?? 1) + 10 });
    for (let i = 0; i < 200; i++) rec.event(other, 'Normal', 'Pulled', 'already present');
    await rec.flush();
    const evs = await eventsOf('other');
    assert.equal(evs.length, 1);
    assert.equal(evs[0]!.count, 1 + 10 + 200);
  });
});

describe('Event TTL on a real etcd', () => {
  const c = new StoreCluster({ registry: { eventTTLSeconds: 2 } });
  before(() => c.start());
  after(() => c.stop());

  test('an Event goes by itself after its TTL (an etcd lease), and a watch sees its DELETED; a ConfigMap stays', async () => {
    const ac = new AbortController();
    const deadline = setTimeout(() => ac.abort(), 30_000);
    try {
      const list = await c.call('GET', '/api/v1/namespaces/default/events');
      const res = await fetch(
        `${c.base}/api/v1/namespaces/default/events?watch=true&resourceVersion=${list.json['metadata']['resourceVersion']}`,
        { signal: ac.signal },
      );
      await c.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'stays' } });
      const made = await c.call('POST', '/api/v1/namespaces/default/events', {
        metadata: { name: 'short' },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
        reason: 'Test',
        message: 'goes soon',
        type: 'Normal',
      });
      assert.equal(made.status, 201, made.text);
      const createdAt = Date.now();
      const seen: string[] = [];
      const reader = res.body!.getReader();
      let buf = '';
      while (!seen.includes('DELETED short')) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += Buffer.from(value).toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines.filter((x) => x.trim())) {
          const ev = JSON.parse(l) as { type: string; object: KubeObject };
          seen.push(`${ev.type} ${ev.object.metadata.name}`);
        }
      }
      assert.deepEqual(seen, ['ADDED short', 'DELETED short']);
      assert.ok(Date.now() - createdAt >= 1_900, 'not before its TTL');
      assert.equal((await c.call('GET', '/api/v1/namespaces/default/events/short')).status, 404);
      assert.equal((await c.call('GET', '/api/v1/namespaces/default/configmaps/stays')).status, 200);
      assert.equal(c.store.leases.grantedCount, 1);
    } finally {
      clearTimeout(deadline);
      ac.abort();
    }
  });
});
