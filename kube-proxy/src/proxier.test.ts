import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '@kubelab/api';
import { FakeListenerFactory } from './factory.js';
import { FakeAddressManager } from './netlink.js';
import { Proxier } from './proxier.js';
import { MapStore, SliceStore, silentLog, slice, svc, tcpSlices } from './testing.js';

function setup(initialAddresses: string[] = []) {
  const services = new MapStore<Service>();
  const slices = new SliceStore();
  const addresses = new FakeAddressManager(initialAddresses);
  const listeners = new FakeListenerFactory();
  const requeued: string[] = [];
  const proxier = new Proxier({
    services,
    slices: slices.of,
    addresses,
    listeners,
    log: silentLog,
    nodePortHost: '0.0.0.0',
    lbPool: '10.244.192.0/24',
    requeue: (k) => requeued.push(k),
  });
  return { services, slices, addresses, listeners, proxier, requeued };
}

const web = (ip = '10.244.128.10', port = 80): Service =>
  svc('web', { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'http', port }] });

test('start: stale /32s in the service CIDR and LB pool are removed, missing ones added, others left alone', async () => {
  const t = setup(['10.244.128.10', '10.244.128.99', '10.244.192.9', '10.244.0.3', '192.168.1.5']);
  t.services.put(web());
  t.services.put(svc('db', { clusterIP: '10.244.128.20', ports: [{ port: 5432 }] }));
  await t.proxier.syncAll();
  assert.deepEqual([...t.addresses.addresses].sort(), ['10.244.0.3', '10.244.128.10', '10.244.128.20', '192.168.1.5']);
  assert.deepEqual(t.addresses.calls, ['list', 'add 10.244.128.20', 'del 10.244.128.99', 'del 10.244.192.9']);
  assert.deepEqual([...t.listeners.live().keys()].sort(), ['TCP/10.244.128.10:80', 'TCP/10.244.128.20:5432']);
});

test('a service sync touches only that service; nothing changed does nothing', async () => {
  const t = setup();
  t.services.put(web());
  t.services.put(svc('db', { clusterIP: '10.244.128.20', ports: [{ port: 5432 }] }));
  await t.proxier.syncAll();
  const calls = t.addresses.calls.length;
  const opened = t.listeners.opened.length;
  await t.proxier.syncService('default/web');
  assert.equal(t.addresses.calls.length, calls);
  assert.equal(t.listeners.opened.length, opened);
  t.services.put(svc('db', { clusterIP: '10.244.128.20', ports: [{ port: 5433 }] }));
  await t.proxier.syncService('default/db');
  const webListener = t.listeners.live().get('TCP/10.244.128.10:80')!;
  assert.equal(webListener.closed, false, 'another service changing leaves this one alone');
  assert.deepEqual(webListener.closedTo, []);
});

test('endpoint changes update the pool in place; removed endpoints get their connections closed', async () => {
  const t = setup();
  t.services.put(web());
  t.slices.set('default/web', [
    slice('web', [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }], [{ name: 'http', port: 8080 }]),
  ]);
  await t.proxier.syncAll();
  const l = t.listeners.live().get('TCP/10.244.128.10:80')!;
  assert.equal(t.proxier.pool('default/web:http/TCP')!.size, 2);
  t.slices.set('default/web', [
    slice('web', [{ ip: '10.244.0.5' }, { ip: '10.244.0.6', ready: false }], [{ name: 'http', port: 8080 }]),
  ]);
  await t.proxier.syncService('default/web');
  assert.equal(t.listeners.opened.length, 1);
  assert.equal(l.closed, false);
  assert.deepEqual(l.closedTo, ['10.244.0.6:8080']);
  assert.deepEqual(l.pool.candidates(), [{ ip: '10.244.0.5', port: 8080 }]);
});

test('changing a service port closes the old listener and opens the new one; the address stays', async () => {
  const t = setup();
  t.services.put(web('10.244.128.10', 80));
  await t.proxier.syncAll();
  t.services.put(web('10.244.128.10', 8000));
  await t.proxier.syncService('default/web');
  assert.equal(t.listeners.opened.find((l) => l.spec.key === 'TCP/10.244.128.10:80')!.closed, true);
  assert.deepEqual([...t.listeners.live().keys()], ['TCP/10.244.128.10:8000']);
  assert.ok(t.addresses.addresses.has('10.244.128.10'));
});

test('deleting the service removes listener, address and pool', async () => {
  const t = setup();
  t.services.put(web());
  t.slices.set('default/web', tcpSlices('web', [{ ip: '10.244.0.5', port: 80 }]));
  await t.proxier.syncAll();
  t.services.remove('default/web');
  await t.proxier.syncService('default/web');
  assert.deepEqual([...t.addresses.addresses], []);
  assert.equal(t.listeners.live().size, 0);
  assert.equal(t.proxier.pool('default/web:http/TCP'), undefined);
});

test('a LoadBalancer IP is bound when the status names it and released when the type changes', async () => {
  const t = setup();
  const lb = svc('lb', { type: 'LoadBalancer', clusterIP: '10.244.128.30', ports: [{ port: 8080, nodePort: 30007 }] });
  lb.status = { loadBalancer: { ingress: [{ ip: '10.244.192.4' }] } };
  t.services.put(lb);
  await t.proxier.syncAll();
  assert.deepEqual([...t.addresses.addresses].sort(), ['10.244.128.30', '10.244.192.4']);
  assert.deepEqual([...t.listeners.live().keys()].sort(), [
    'TCP/0.0.0.0:30007',
    'TCP/10.244.128.30:8080',
    'TCP/10.244.192.4:8080',
  ]);
  t.services.put(svc('lb', { type: 'ClusterIP', clusterIP: '10.244.128.30', ports: [{ port: 8080 }] }));
  await t.proxier.syncService('default/lb');
  assert.deepEqual([...t.addresses.addresses], ['10.244.128.30']);
  assert.deepEqual([...t.listeners.live().keys()], ['TCP/10.244.128.30:8080']);
});

test('a clash on a node port: the second service waits and gets it when the first lets go', async () => {
  const t = setup();
  t.services.put(svc('a', { type: 'NodePort', clusterIP: '10.244.128.1', ports: [{ port: 80, nodePort: 30001 }] }));
  t.services.put(svc('b', { type: 'NodePort', clusterIP: '10.244.128.2', ports: [{ port: 80, nodePort: 30001 }] }));
  await t.proxier.syncAll();
  assert.equal(t.listeners.live().get('TCP/0.0.0.0:30001')!.spec.pool, 'default/a:/TCP');
  t.services.remove('default/a');
  await t.proxier.syncService('default/a');
  assert.deepEqual(t.requeued, ['default/b']);
  await t.proxier.syncService('default/b');
  assert.equal(t.listeners.live().get('TCP/0.0.0.0:30001')!.spec.pool, 'default/b:/TCP');
});

test('an address failure still opens listeners, then throws; the retry adds it', async () => {
  const t = setup();
  t.addresses.failOn = '10.244.128.40';
  t.services.put(svc('a', { clusterIP: '10.244.128.40', ports: [{ port: 80 }] }));
  await assert.rejects(t.proxier.syncAll(), /Operation not permitted/);
  assert.equal(t.listeners.live().size, 1);
  t.addresses.failOn = undefined;
  await t.proxier.syncService('default/a');
  assert.deepEqual([...t.addresses.addresses], ['10.244.128.40']);
});

test('syncAll notices an address removed behind our back', async () => {
  const t = setup();
  t.services.put(web());
  await t.proxier.syncAll();
  t.addresses.addresses.clear();
  await t.proxier.syncAll();
  assert.deepEqual([...t.addresses.addresses], ['10.244.128.10']);
});
