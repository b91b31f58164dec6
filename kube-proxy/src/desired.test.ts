import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, parseCidr } from './cidr.js';
import { backendsFor, computeDesired } from './desired.js';
import { eps, svc } from './testing.js';

const cidr = parseCidr('10.244.128.0/17');
const opts = { serviceCidr: cidr, nodePortHost: '0.0.0.0' };

test('CIDR parsing and membership', () => {
  assert.ok(cidrContains(cidr, '10.244.128.1'));
  assert.ok(cidrContains(cidr, '10.244.255.255'));
  assert.ok(!cidrContains(cidr, '10.244.127.255'));
  assert.ok(!cidrContains(cidr, '127.0.0.1'));
  assert.ok(!cidrContains(cidr, 'nope'));
  assert.ok(cidrContains(parseCidr('0.0.0.0/0'), '1.2.3.4'));
  assert.throws(() => parseCidr('10.0.0.0/33'), /invalid CIDR address: 10.0.0.0\/33/);
  assert.throws(() => parseCidr('10.0.0/8'), /invalid CIDR/);
});

test('ClusterIP service: address and one listener per port; endpoints matched by port name', () => {
  const s = svc('web', {
    type: 'ClusterIP',
    clusterIP: '10.244.128.10',
    ports: [
      { name: 'http', port: 80, protocol: 'TCP' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  });
  const e = eps('web', [
    {
      addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }],
      notReadyAddresses: [{ ip: '10.244.0.7' }],
      ports: [
        { name: 'dns', port: 5353, protocol: 'UDP' },
        { name: 'http', port: 8080, protocol: 'TCP' },
      ],
    },
  ]);
  const d = computeDesired([s], (k) => (k === 'default/web' ? e : undefined), opts);
  assert.deepEqual([...d.addresses], ['10.244.128.10']);
  assert.deepEqual([...d.listeners.keys()].sort(), ['TCP/10.244.128.10:80', 'UDP/10.244.128.10:53']);
  assert.equal(d.listeners.get('TCP/10.244.128.10:80')!.pool, 'default/web:http/TCP');
  assert.deepEqual(d.pools.get('default/web:http/TCP'), [
    { ip: '10.244.0.5', port: 8080 },
    { ip: '10.244.0.6', port: 8080 },
  ]);
  assert.deepEqual(d.pools.get('default/web:dns/UDP'), [
    { ip: '10.244.0.5', port: 5353 },
    { ip: '10.244.0.6', port: 5353 },
  ]);
});

test('NodePort and LoadBalancer services also listen on the node port', () => {
  const np = svc('np', { type: 'NodePort', clusterIP: '10.244.128.11', ports: [{ port: 80, nodePort: 30001 }] });
  const lb = svc('lb', { type: 'LoadBalancer', clusterIP: '10.244.128.12', ports: [{ port: 80, nodePort: 30002 }] });
  const ci = svc('ci', { type: 'ClusterIP', clusterIP: '10.244.128.13', ports: [{ port: 80, nodePort: 30003 }] });
  const d = computeDesired([np, lb, ci], () => undefined, opts);
  assert.deepEqual([...d.listeners.keys()].sort(), [
    'TCP/0.0.0.0:30001',
    'TCP/0.0.0.0:30002',
    'TCP/10.244.128.11:80',
    'TCP/10.244.128.12:80',
    'TCP/10.244.128.13:80',
  ]);
  assert.equal(d.listeners.get('TCP/0.0.0.0:30001')!.pool, 'default/np:/TCP');
  assert.deepEqual(d.pools.get('default/np:/TCP'), []);
});

test('headless, ExternalName, unallocated and SCTP are not proxied; outside-CIDR IPs get no address', () => {
  const d = computeDesired(
    [
      svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
      svc('ext', { type: 'ExternalName', externalName: 'example.invalid', ports: [{ port: 80 }] }),
      svc('pending', { ports: [{ port: 80 }] }),
      svc('sctp', { clusterIP: '10.244.128.20', ports: [{ port: 90, protocol: 'SCTP' }] }),
      svc('local', { clusterIP: '127.0.0.1', ports: [{ port: 9999 }] }),
    ],
    () => undefined,
    opts,
  );
  assert.deepEqual([...d.listeners.keys()].sort(), ['TCP/127.0.0.1:9999']);
  assert.deepEqual([...d.addresses], ['10.244.128.20']);
  assert.ok(d.warnings.some((w) => w.includes('spec.ports[0].protocol: SCTP')));
});

test('a clash on a listen address is settled by service key and reported', () => {
  const a = svc('a', { type: 'NodePort', clusterIP: '10.244.128.1', ports: [{ port: 80, nodePort: 30005 }] });
  const b = svc('b', { type: 'NodePort', clusterIP: '10.244.128.2', ports: [{ port: 80, nodePort: 30005 }] });
  const d = computeDesired([b, a], () => undefined, opts);
  assert.equal(d.listeners.get('TCP/0.0.0.0:30005')!.pool, 'default/a:/TCP');
  assert.ok(d.warnings.some((w) => w.startsWith('default/b: spec.ports[0].nodePort: 30005/TCP')));
});

test('backendsFor: single-port fallback only when both sides have one port', () => {
  const one = svc('s', { clusterIP: '10.244.128.3', ports: [{ name: 'web', port: 80 }] });
  const two = svc('s', { clusterIP: '10.244.128.3', ports: [{ name: 'web', port: 80 }, { name: 'admin', port: 81 }] });
  const e = eps('s', [{ addresses: [{ ip: '10.244.0.9' }], ports: [{ name: 'other', port: 8080, protocol: 'TCP' }] }]);
  assert.deepEqual(backendsFor(e, one, one.spec.ports![0]!), [{ ip: '10.244.0.9', port: 8080 }]);
  assert.deepEqual(backendsFor(e, two, two.spec.ports![0]!), []);
  assert.deepEqual(backendsFor(undefined, one, one.spec.ports![0]!), []);
});

test('backendsFor: addresses of several subsets, deduplicated', () => {
  const s = svc('s', { clusterIP: '10.244.128.3', ports: [{ name: 'web', port: 80 }] });
  const e = eps('s', [
    { addresses: [{ ip: '10.244.0.1' }, { ip: '10.244.0.2' }], ports: [{ name: 'web', port: 8080 }] },
    { addresses: [{ ip: '10.244.0.2' }, { ip: '10.244.0.3' }], ports: [{ name: 'web', port: 9090 }] },
    { addresses: [{ ip: '10.244.0.1' }], ports: [{ name: 'web', port: 8080 }] },
  ]);
  assert.deepEqual(backendsFor(e, s, s.spec.ports![0]!), [
    { ip: '10.244.0.1', port: 8080 },
    { ip: '10.244.0.2', port: 8080 },
    { ip: '10.244.0.2', port: 9090 },
    { ip: '10.244.0.3', port: 9090 },
  ]);
});
