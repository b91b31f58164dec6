/**
 * Integration test of the REST facade's watch streams at the HTTP level: JSON lines, Table rows,
 * timeoutSeconds, 410 from a compacted resourceVersion. Loopback only. Run with
 *   node --test apiserver/dist/rest/http-watch.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster } from './testing/harness.js';
import { restCalls } from './testing/rest-calls.js';

describe('REST watch streams over HTTP', () => {
  const cluster = new TestCluster();
  before(() => cluster.start());
  after(() => cluster.stop());
  const { call, watch, waitFor } = restCalls(cluster);

  test('watch: JSON lines, Table rows with headers only first, timeoutSeconds ends the stream', async () => {
    const list = await call('GET', '/api/v1/namespaces/default/pods');
    const rv = list.json['metadata']['resourceVersion'] as string;
    const events = await watch(
      `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}`,
      2,
      { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
      async () => {
        await waitFor(() => cluster.registry.activeWatches === 1);
        await cluster.registry.create('pods', 'default', {
          metadata: { name: 'w1' },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        });
        await cluster.registry.delete('pods', 'default', 'w1');
      },
    );
    assert.deepEqual(
      events.map((e) => e['type']),
      ['ADDED', 'DELETED'],
    );
    assert.equal(events[0]!['object'].kind, 'Table');
    assert.ok(Array.isArray(events[0]!['object'].columnDefinitions));
    assert.equal(events[1]!['object'].columnDefinitions, null);
    assert.equal(events[1]!['object'].rows[0].cells[0], 'w1');
    await waitFor(() => cluster.registry.activeWatches === 0);

    const plain = await watch('/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Drunning', 1);
    assert.equal(plain[0]!['type'], 'ADDED');
    assert.equal(plain[0]!['object'].kind, 'Pod');

    const started = Date.now();
    const timed = await call(
      'GET',
      `/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1&resourceVersion=${cluster.registry.revision}`,
    );
    assert.equal(timed.status, 200);
    assert.equal(timed.text, '');
    assert.ok(Date.now() - started >= 900);
  });

  test('watch from a compacted resourceVersion gets an ERROR event with a 410 Expired Status', async () => {
    await cluster.registry.compact();
    const events = await watch('/api/v1/namespaces/default/pods?watch=true&resourceVersion=1', 1);
    assert.equal(events[0]!['type'], 'ERROR');
    assert.equal(events[0]!['object'].code, 410);
    assert.equal(events[0]!['object'].reason, 'Expired');
  });
});
