import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventReader, newRegistry, pod } from './testing.js';

describe('registry: watch events shared by every watcher', () => {
  it('one REST line and one object JSON per event, the same for every watcher; each watcher’s object is its own', async () => {
    const { registry } = await newRegistry();
    const list = await registry.list('pods', { namespace: 'default' });
    const ac = new AbortController();
    const a = new EventReader(
      registry.watch('pods', { namespace: 'default', resourceVersion: list.resourceVersion }, ac.signal),
    );
    const b = new EventReader(
      registry.watch('pods', { namespace: '', resourceVersion: list.resourceVersion }, ac.signal),
    );
    const pa = a.next();
    const pb = b.next();
    const created = await registry.create('pods', 'default', pod('web', { app: 'web' }));
    const [ea, eb] = [(await pa)!, (await pb)!];
    assert.equal(ea.type, 'ADDED');
    const line = ea.watchLine!('v1', 'Pod').toString('utf8');
    assert.ok(line.endsWith('}\n'));
    assert.equal(ea.watchLine!('v1', 'Pod'), eb.watchLine!('v1', 'Pod'), 'the very same bytes');
    const parsed = JSON.parse(line) as {
      type: string;
      object: { apiVersion: string; kind: string; metadata: { name: string; resourceVersion: string } };
    };
    assert.equal(parsed.type, 'ADDED');
    assert.deepEqual([parsed.object.apiVersion, parsed.object.kind, parsed.object.metadata.name], ['v1', 'Pod', 'web']);
    assert.equal(parsed.object.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.equal(JSON.stringify(ea.object), ea.objectJson!());
    const other = JSON.parse(ea.watchLine!('example.com/v2', 'Other').toString('utf8')) as {
      object: { apiVersion: string; kind: string };
    };
    assert.deepEqual(
      [other.object.apiVersion, other.object.kind],
      ['example.com/v2', 'Other'],
      'typed as the request asks, memoized apart',
    );
    ea.object.metadata.labels = { changed: 'yes' };
    assert.deepEqual(
      eb.object.metadata.labels,
      { app: 'web' },
      'a watcher that changes its object does not change the others’',
    );
    assert.equal(eb.watchLine!('v1', 'Pod').toString('utf8'), line, 'nor the shared line');
    ac.abort();
    await registry.close();
  });
});
