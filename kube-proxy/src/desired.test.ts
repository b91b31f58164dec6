import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, mustParseCidr } from '@kubelab/api';
import { desiredFor } from './desired.js';
import { slice, svc } from './testing.js';

const opts = {
  serviceCidr: mustParseCidr('10.244.128.0/18', 'cidr'),
  lbPool: mustParseCidr('10.244.192.0/24', 'cidr'),
  nodePortHost: '0.0.0.0',
};

test('CIDR parsing and membership', () => {
  const c = mustParseCidr('10.244.128.0/18', 'cidr');
  assert.ok(cidrContains(c, '10.244.128.1'));
  assert.ok(cidrContains(c, '10.244.191.255'));
  assert.ok(!cidrContains(c, '10.244.192.0'));
  assert.throws(() => mustParseCidr('10.0.0.0/33', 'cidr'));
});

test('ClusterIP: address and one listener per port; named target ports resolved per slice', () => {
  const s = svc('web', {
    clusterIP: '10.244.128.10',
    ports: [
      { name: 'http', port: 80, targetPort: 'web' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  });
  const slices = [
    slice(
      'web',
      [{ ip: '10.244.0.5' }],
      [
        { name: 'http', port: 8080 },
        { name: 'dns', port: 5353, protocol: 'UDP' },
      ],
      { name: 'web-a' },
    ),
    slice('web', [{ ip: '10.244.0.6' }], [{ name: 'http', port: 9090 }], { name: 'web-b' }),
  ];
  const d = desiredFor(s, slices, opts);
  assert.deepEqual(d.addresses, ['10.244.128.10']);
  assert.deepEqual(
    d.listeners.map((l) => l.key),
    ['TCP/10.244.128.10:80', 'UDP/10.244.128.10:53'],
  );
  assert.deepEqual(d.pools.get('default/web:http/TCP')!.backends, [
    { ip: '10.244.0.5', port: 8080 },
    { ip: '10.244.0.6', port: 9090 },
  ]);
  assert.deepEqual(d.pools.get('default/web:dns/UDP')!.backends, [{ ip: '10.244.0.5', port: 5353 }]);
});

test('only ready endpoints count: not ready, terminating (ready false) are left out; unset means ready', () => {
  const s = svc('web', { clusterIP: '10.244.128.10', ports: [{ port: 80 }] });
  const sl = slice(
    'web',
    [
      { ip: '10.244.0.1' },
      { ip: '10.244.0.2', ready: false },
      { ip: '10.244.0.3', ready: false, serving: true, terminating: true },
    ],
    [{ port: 80 }],
  );
  sl.endpoints!.push({ addresses: ['10.244.0.4'] });
  const d = desiredFor(s, [sl], opts);
  assert.deepEqual(
    d.pools.get('default/web:/TCP')!.backends.map((b) => b.ip),
    ['10.244.0.1', '10.244.0.4'],
  );
});

test('LoadBalancer: node port and the status IPs inside the pool; others ignored', () => {
  const s = svc('lb', { type: 'LoadBalancer', clusterIP: '10.244.128.30', ports: [{ port: 8080, nodePort: 30007 }] });
  s.status = { loadBalancer: { ingress: [{ ip: '10.244.192.7' }, { ip: '192.168.1.1' }] } };
  const d = desiredFor(s, [], opts);
  assert.deepEqual(d.addresses, ['10.244.128.30', '10.244.192.7']);
  assert.deepEqual(
    d.listeners.map((l) => l.key),
    ['TCP/10.244.128.30:8080', 'TCP/10.244.192.7:8080', 'TCP/0.0.0.0:30007'],
  );
});

test('headless, ExternalName, unallocated and SCTP are not proxied', () => {
  assert.equal(desiredFor(svc('h', { clusterIP: 'None', ports: [{ port: 80 }] }), [], opts).listeners.length, 0);
  assert.equal(
    desiredFor(svc('x', { type: 'ExternalName', externalName: 'a.example', ports: [{ port: 80 }] }), [], opts).listeners
      .length,
    0,
  );
  assert.equal(desiredFor(undefined, [], opts).listeners.length, 0);
  const sctp = desiredFor(svc('s', { clusterIP: '10.244.128.9', ports: [{ port: 9, protocol: 'SCTP' }] }), [], opts);
  assert.equal(sctp.listeners.length, 0);
  assert.match(sctp.warnings[0]!, /spec.ports\[0\].protocol: SCTP is not proxied/);
});

test("session affinity: ClientIP with the configured timeout, or upstream's 3 h default", () => {
  const s = svc('a', {
    clusterIP: '10.244.128.9',
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } },
    ports: [{ port: 80 }],
  });
  assert.equal(desiredFor(s, [], opts).pools.get('default/a:/TCP')!.policy.affinitySeconds, 5);
  const d = desiredFor(
    svc('b', { clusterIP: '10.244.128.9', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }),
    [],
    opts,
  );
  assert.equal(d.pools.get('default/b:/TCP')!.policy.affinitySeconds, 10_800);
});

test('internalTrafficPolicy Local: the cluster IP uses a Local pool, node ports one that is not', () => {
  const s = svc('l', {
    type: 'NodePort',
    clusterIP: '10.244.128.9',
    internalTrafficPolicy: 'Local',
    ports: [{ port: 80, nodePort: 30001 }],
  });
  const d = desiredFor(s, [], opts);
  assert.deepEqual(
    d.listeners.map((l) => [l.key, l.pool]),
    [
      ['TCP/10.244.128.9:80', 'default/l:/TCP'],
      ['TCP/0.0.0.0:30001', 'default/l:/TCP@external'],
    ],
  );
  assert.equal(d.pools.get('default/l:/TCP')!.policy.local, true);
  assert.equal(d.pools.get('default/l:/TCP@external')!.policy.local, undefined);
});
