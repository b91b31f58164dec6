import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { endpoint, service, slice } from './testing.js';
import { Zone } from './zone.js';

describe('Zone: changes recompute one Service', () => {
  it('takes slices that come before their Service, and forgets everything when the Service goes', () => {
    const z = new Zone();
    z.upsertSlice(slice('default', 'db', 'db-1', [endpoint('10.0.0.5', { hostname: 'db-0' })]));
    assert.equal(z.records('db-0.db.default.svc.cluster.local'), undefined);
    const svc = service('default', 'db', { clusterIP: 'None' });
    z.upsertService(svc);
    assert.deepEqual(z.records('db.default.svc.cluster.local')?.a, ['10.0.0.5']);
    assert.deepEqual(z.ptr('10.0.0.5'), ['db-0.db.default.svc.cluster.local']);
    assert.equal(z.isEmptyNonTerminal('default.svc.cluster.local'), true);
    z.deleteService(svc);
    assert.equal(z.records('db.default.svc.cluster.local'), undefined);
    assert.equal(z.records('db-0.db.default.svc.cluster.local'), undefined);
    assert.deepEqual(z.ptr('10.0.0.5'), []);
    assert.equal(z.isEmptyNonTerminal('default.svc.cluster.local'), false);
  });

  it('follows an endpoint becoming not ready, a slice deleted, and a slice whose label changes', () => {
    const z = new Zone();
    z.upsertService(service('default', 'db', { clusterIP: 'None' }));
    z.upsertService(service('default', 'cache', { clusterIP: 'None' }));
    z.upsertSlice(slice('default', 'db', 's1', [endpoint('10.0.0.5'), endpoint('10.0.0.6')]));
    z.upsertSlice(slice('default', 'db', 's2', [endpoint('10.0.0.7')]));
    assert.deepEqual(z.records('db.default.svc.cluster.local')?.a, ['10.0.0.5', '10.0.0.6', '10.0.0.7']);
    z.upsertSlice(
      slice('default', 'db', 's1', [endpoint('10.0.0.5'), endpoint('10.0.0.6', { conditions: { ready: false } })]),
    );
    assert.deepEqual(z.records('db.default.svc.cluster.local')?.a, ['10.0.0.5', '10.0.0.7']);
    z.deleteSlice(slice('default', 'db', 's2', []));
    assert.deepEqual(z.records('db.default.svc.cluster.local')?.a, ['10.0.0.5']);
    z.upsertSlice(slice('default', 'cache', 's1', [endpoint('10.0.0.5')]));
    assert.equal(z.records('db.default.svc.cluster.local'), undefined);
    assert.deepEqual(z.records('cache.default.svc.cluster.local')?.a, ['10.0.0.5']);
  });

  it('counts an endpoint without conditions as ready, and publishNotReadyAddresses counts every endpoint', () => {
    const z = new Zone();
    z.upsertService(service('default', 'a', { clusterIP: 'None' }));
    z.upsertSlice(
      slice('default', 'a', 's', [{ addresses: ['10.0.0.1'] }, endpoint('10.0.0.2', { conditions: { ready: false } })]),
    );
    assert.deepEqual(z.records('a.default.svc.cluster.local')?.a, ['10.0.0.1']);
    z.upsertService(service('default', 'a', { clusterIP: 'None', publishNotReadyAddresses: true }));
    assert.deepEqual(z.records('a.default.svc.cluster.local')?.a, ['10.0.0.1', '10.0.0.2']);
  });

  it('keeps the PTRs of an address behind two Services until both are gone', () => {
    const z = new Zone();
    const a = service('default', 'a', { clusterIP: '10.1.0.1' });
    const b = service('default', 'b', { clusterIP: '10.1.0.2' });
    z.upsertService(a);
    z.upsertService(b);
    z.upsertSlice(slice('default', 'a', 'sa', [endpoint('10.0.0.9')]));
    z.upsertSlice(slice('default', 'b', 'sb', [endpoint('10.0.0.9')]));
    assert.deepEqual(z.ptr('10.0.0.9'), [
      '10-0-0-9.a.default.svc.cluster.local',
      '10-0-0-9.b.default.svc.cluster.local',
    ]);
    z.deleteService(a);
    assert.deepEqual(z.ptr('10.0.0.9'), ['10-0-0-9.b.default.svc.cluster.local']);
    assert.equal(z.isEmptyNonTerminal('default.svc.cluster.local'), true);
  });

  it('ignores slices of other address types and slices without a Service label', () => {
    const z = new Zone();
    z.upsertService(service('default', 'a', { clusterIP: 'None' }));
    z.upsertSlice({ ...slice('default', 'a', 's6', [endpoint('fd00::1')]), addressType: 'IPv6' });
    const orphan = slice('default', 'a', 'o', [endpoint('10.0.0.3')]);
    delete orphan.metadata.labels;
    z.upsertSlice(orphan);
    assert.equal(z.records('a.default.svc.cluster.local'), undefined);
  });

  it('moves the SOA serial forward on every change', () => {
    let now = 1_000_000;
    const z = new Zone('cluster.local', () => now);
    const s0 = z.serial;
    z.upsertService(service('default', 'a', { clusterIP: '10.1.0.1' }));
    const s1 = z.serial;
    now += 0;
    z.upsertService(service('default', 'a', { clusterIP: '10.1.0.2' }));
    assert.ok(s1 > s0 && z.serial > s1);
  });
});
