import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { EventReader, newRegistry, pod, summary } from './testing.js';

describe('registry: watch', () => {
  it('starts with ADDED for the current state when resourceVersion is empty or "0"', async () => {
    const { registry } = await newRegistry();
    await registry.create('namespaces', '', { metadata: { name: 'dev' } });
    await registry.create('pods', 'default', pod('a'));
    await registry.create('pods', 'dev', pod('b'));
    const ac = new AbortController();
    const r = new EventReader(registry.watch('pods', { namespace: 'default', resourceVersion: '0' }, ac.signal));
    assert.deepEqual(summary(await r.take(1)), ['ADDED a']);
    await registry.create('pods', 'dev', pod('c'));
    await registry.create('pods', 'default', pod('d'));
    assert.deepEqual(summary(await r.take(1)), ['ADDED d']);
    const all = new EventReader(registry.watch('pods', { namespace: '' }, ac.signal));
    assert.deepEqual(summary(await all.take(4)).sort(), ['ADDED a', 'ADDED b', 'ADDED c', 'ADDED d']);
    ac.abort();
    assert.equal(await r.next(), undefined);
  });

  it('resumes after a resourceVersion and reports deletions with the deletion revision', async () => {
    const { registry } = await newRegistry();
    await registry.create('pods', 'default', pod('old'));
    const list = await registry.list('pods', { namespace: 'default' });
    const ac = new AbortController();
    const r = new EventReader(
      registry.watch('pods', { namespace: 'default', resourceVersion: list.resourceVersion }, ac.signal),
    );
    const created = await registry.create('pods', 'default', pod('web'));
    const updated = await registry.update('pods', 'default', 'web', {
      ...created,
      metadata: { ...created.metadata, labels: { x: 'y' } },
    });
    const deleted = await registry.delete('pods', 'default', 'web');
    const evs = await r.take(3);
    assert.deepEqual(summary(evs), ['ADDED web', 'MODIFIED web', 'DELETED web']);
    assert.equal(evs[0]?.object.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.equal(evs[1]?.object.metadata.resourceVersion, updated.metadata.resourceVersion);
    assert.deepEqual(evs[2]?.object.metadata.labels, { x: 'y' }, 'DELETED carries the last state');
    assert.equal(evs[2]?.object.metadata.resourceVersion, deleted.metadata.resourceVersion);
    assert.ok(Number(deleted.metadata.resourceVersion) > Number(updated.metadata.resourceVersion));
    ac.abort();
  });

  it('turns selector transitions into ADDED / DELETED like upstream', async () => {
    const { registry } = await newRegistry();
    const p = await registry.create('pods', 'default', pod('web', { app: 'web' }));
    const ac = new AbortController();
    const r = new EventReader(
      registry.watch(
        'pods',
        { namespace: 'default', labelSelector: 'app=web', resourceVersion: p.metadata.resourceVersion },
        ac.signal,
      ),
    );
    const out = await registry.update('pods', 'default', 'web', {
      ...p,
      metadata: { ...p.metadata, resourceVersion: undefined, labels: { app: 'other' } },
    });
    await registry.create('pods', 'default', pod('never', { app: 'other' }));
    const back = await registry.update('pods', 'default', 'web', {
      ...out,
      metadata: { ...out.metadata, labels: { app: 'web', v: '2' } },
    });
    await registry.update('pods', 'default', 'web', {
      ...back,
      metadata: { ...back.metadata, labels: { app: 'web', v: '3' } },
    });
    const evs = await r.take(3);
    assert.deepEqual(summary(evs), ['DELETED web', 'ADDED web', 'MODIFIED web']);
    assert.deepEqual(evs[0]?.object.metadata.labels, { app: 'other' });
    const f = new EventReader(
      registry.watch(
        'pods',
        { namespace: '', fieldSelector: 'spec.nodeName=n1', resourceVersion: p.metadata.resourceVersion },
        ac.signal,
      ),
    );
    await registry.bind('default', 'never', 'n1');
    assert.deepEqual(summary(await f.take(1)), ['ADDED never']);
    ac.abort();
  });

  it('fails with Expired when the resourceVersion was compacted', async () => {
    const { registry, store } = await newRegistry();
    const p = await registry.create('pods', 'default', pod('a'));
    await registry.update('pods', 'default', 'a', { ...p, metadata: { ...p.metadata, labels: { b: 'c' } } });
    await store.compact(await store.currentRevision());
    const r = new EventReader(
      registry.watch(
        'pods',
        { namespace: 'default', resourceVersion: String(Number(p.metadata.resourceVersion) - 1) },
        AbortSignal.timeout(2_000),
      ),
    );
    await assert.rejects(
      r.next(),
      (e: unknown) =>
        e instanceof ApiError && e.reason === 'Expired' && /^too old resource version: \d+ \(\d+\)$/.test(e.message),
    );
  });

  it('sends bookmarks with the latest revision seen and ends after timeoutSeconds', async () => {
    const { registry } = await newRegistry({ bookmarkIntervalMs: 20 });
    const p = await registry.create('pods', 'default', pod('a'));
    const r = new EventReader(
      registry.watch(
        'pods',
        {
          namespace: 'default',
          resourceVersion: p.metadata.resourceVersion,
          allowBookmarks: true,
          labelSelector: 'none=here',
        },
        AbortSignal.timeout(5_000),
      ),
    );
    const hidden = await registry.create('pods', 'default', pod('b'));
    const first = r.next();
    let ev = await first;
    while (ev?.type === 'BOOKMARK' && ev.object.metadata.resourceVersion !== hidden.metadata.resourceVersion)
      ev = await r.next();
    assert.equal(ev?.type, 'BOOKMARK');
    assert.equal(ev?.object.kind, 'Pod');
    assert.equal(ev?.object.metadata.resourceVersion, hidden.metadata.resourceVersion);
    const timed = new EventReader(
      registry.watch(
        'pods',
        { namespace: 'default', resourceVersion: p.metadata.resourceVersion, timeoutSeconds: 0.05 },
        AbortSignal.timeout(5_000),
      ),
    );
    assert.deepEqual(summary(await timed.take(2)), ['ADDED b']);
  });

  it('shares one storage watch, replays recent history and serves older starts directly', async () => {
    const { registry } = await newRegistry();
    const start = await registry.create('pods', 'default', pod('p0'));
    const ac = new AbortController();
    const a = new EventReader(
      registry.watch('pods', { namespace: '', resourceVersion: start.metadata.resourceVersion }, ac.signal),
    );
    const first = a.next();
    await registry.create('pods', 'default', pod('p1'));
    await registry.create('pods', 'default', pod('p2'));
    assert.deepEqual(summary([(await first)!]), ['ADDED p1']);
    const b = new EventReader(
      registry.watch('pods', { namespace: '', resourceVersion: start.metadata.resourceVersion }, ac.signal),
    );
    assert.deepEqual(summary(await b.take(2)), ['ADDED p1', 'ADDED p2']);
    const c = new EventReader(
      registry.watch(
        'pods',
        { namespace: '', resourceVersion: String(Number(start.metadata.resourceVersion) - 1) },
        ac.signal,
      ),
    );
    assert.deepEqual(summary(await c.take(3)), ['ADDED p0', 'ADDED p1', 'ADDED p2']);
    await registry.create('pods', 'default', pod('p3'));
    assert.deepEqual(summary(await a.take(2)), ['ADDED p2', 'ADDED p3']);
    assert.deepEqual(summary(await b.take(1)), ['ADDED p3']);
    assert.deepEqual(summary(await c.take(1)), ['ADDED p3']);
    ac.abort();
  });

  it('ends a watcher that falls too far behind with Expired', async () => {
    const { registry } = await newRegistry({ watchBufferSize: 3 });
    const start = await registry.create('pods', 'default', pod('p0'));
    const r = new EventReader(
      registry.watch(
        'pods',
        { namespace: 'default', resourceVersion: start.metadata.resourceVersion },
        AbortSignal.timeout(5_000),
      ),
    );
    const first = r.next();
    await registry.create('pods', 'default', pod('p1'));
    assert.equal((await first)?.object.metadata.name, 'p1');
    for (let i = 2; i < 10; i++) await registry.create('pods', 'default', pod(`p${i}`));
    await assert.rejects(r.take(10), (e: unknown) => e instanceof ApiError && e.reason === 'Expired');
  });
});
