import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Service } from '@kubelab/api';
import { FakeListenerFactory } from './factory.js';
import { FakeAddressManager } from './netlink.js';
import { Proxier } from './proxier.js';
import { MapStore, silentLog, svc, tcpEndpoints } from './testing.js';

function setup(initialAddresses: string[] = []) {
  const services = new MapStore<Service>();
  const endpoints = new MapStore<Endpoints>();
  const addresses = new FakeAddressManager(initialAddresses);
  const listeners = new FakeListenerFactory();
  const proxier = new Proxier({ services, endpoints, addresses, listeners, log: silentLog, nodePortHost: '0.0.0.0' });
  return { services, endpoints, addresses, listeners, proxier };
}

const web = (ip = '10.244.128.10', port = 80): Service => svc('web', { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'http', port }] });

test('start: stale /32s in the service CIDR are removed, missing ones added, others left alone', async () => {
  const t = setup(['10.244.128.10', '10.244.128.99', '10.244.0.3', '192.168.1.5']);
  t.services.put(web());
  t.services.put(svc('db', { clusterIP: '10.244.128.20', ports: [{ port: 5432 }] }));
  await t.proxier.sync();
  assert.deepEqual([...t.addresses.addresses].sort(), ['10.244.0.3', '10.244.128.10', '10.244.128.20', '192.168.1.5']);
  assert.deepEqual(t.addresses.calls, ['list', 'add 10.244.128.20', 'del 10.244.128.99']);
  assert.deepEqual([...t.listeners.live().keys()].sort(), ['TCP/10.244.128.10:80', 'TCP/10.244.128.20:5432']);
});

test('a second sync with nothing changed does nothing', async () => {
  const t = setup();
  t.services.put(web());
  await t.proxier.sync();
  const calls = t.addresses.calls.length;
  const opened = t.listeners.opened.length;
  await t.proxier.sync();
  assert.equal(t.addresses.calls.length, calls);
  assert.equal(t.listeners.opened.length, opened);
});

test('endpoint changes update the pool in place; the listener stays', async () => {
  const t = setup();
  t.services.put(web());
  t.endpoints.put(tcpEndpoints('web', [{ ip: '10.244.0.5', port: 8080 }]));
  await t.proxier.sync();
  const l = t.listeners.live().get('TCP/10.244.128.10:80')!;
  assert.deepEqual(l.pool.candidates(), [{ ip: '10.244.0.5', port: 8080 }]);
  t.endpoints.put(tcpEndpoints('web', [{ ip: '10.244.0.5', port: 8080 }, { ip: '10.244.0.6', port: 8080 }]));
  await t.proxier.sync();
  assert.equal(t.listeners.opened.length, 1);
  assert.equal(l.closed, false);
  assert.equal(t.proxier.pool('default/web:http/TCP')!.size, 2);
  t.endpoints.remove('default/web');
  await t.proxier.sync();
  assert.deepEqual(l.pool.candidates(), []);
  assert.equal(l.closed, false);
});

test('changing a service port closes the old listener and opens the new one', async () => {
  const t = setup();
  t.services.put(web('10.244.128.10', 80));
  await t.proxier.sync();
  t.services.put(web('10.244.128.10', 8000));
  await t.proxier.sync();
  const old = t.listeners.opened.find((l) => l.spec.key === 'TCP/10.244.128.10:80')!;
  assert.equal(old.closed, true);
  assert.deepEqual([...t.listeners.live().keys()], ['TCP/10.244.128.10:8000']);
  assert.ok(t.addresses.addresses.has('10.244.128.10'));
});

test('renaming a port moves the listener to the new pool without reopening it', async () => {
  const t = setup();
  t.services.put(web());
  await t.proxier.sync();
  t.services.put(svc('web', { clusterIP: '10.244.128.10', ports: [{ name: 'web', port: 80 }] }));
  t.endpoints.put({ metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.244.0.8' }], ports: [{ name: 'web', port: 81 }] }] });
  await t.proxier.sync();
  assert.equal(t.listeners.opened.length, 1);
  assert.deepEqual(t.listeners.opened[0]!.pool.candidates(), [{ ip: '10.244.0.8', port: 81 }]);
  assert.equal(t.proxier.pool('default/web:http/TCP'), undefined);
});

test('a new cluster IP moves the address; deleting the service removes listener and address', async () => {
  const t = setup();
  t.services.put(web('10.244.128.10'));
  await t.proxier.sync();
  t.services.put(web('10.244.128.11'));
  await t.proxier.sync();
  assert.deepEqual([...t.addresses.addresses], ['10.244.128.11']);
  assert.deepEqual([...t.listeners.live().keys()], ['TCP/10.244.128.11:80']);
  t.services.remove('default/web');
  await t.proxier.sync();
  assert.deepEqual([...t.addresses.addresses], []);
  assert.equal(t.listeners.live().size, 0);
  assert.equal(t.proxier.pool('default/web:http/TCP'), undefined);
});

test('NodePort listeners follow the service type', async () => {
  const t = setup();
  t.services.put(svc('np', { type: 'NodePort', clusterIP: '10.244.128.30', ports: [{ port: 80, nodePort: 30007 }] }));
  await t.proxier.sync();
  assert.deepEqual([...t.listeners.live().keys()].sort(), ['TCP/0.0.0.0:30007', 'TCP/10.244.128.30:80']);
  t.services.put(svc('np', { type: 'ClusterIP', clusterIP: '10.244.128.30', ports: [{ port: 80 }] }));
  await t.proxier.sync();
  assert.deepEqual([...t.listeners.live().keys()], ['TCP/10.244.128.30:80']);
});

test('an address failure still opens listeners, then throws; the next sync retries it', async () => {
  const t = setup();
  t.addresses.failOn = '10.244.128.40';
  t.services.put(svc('a', { clusterIP: '10.244.128.40', ports: [{ port: 80 }] }));
  t.services.put(svc('b', { clusterIP: '10.244.128.41', ports: [{ port: 80 }] }));
  await assert.rejects(t.proxier.sync(), /Operation not permitted/);
  assert.deepEqual([...t.addresses.addresses], ['10.244.128.41']);
  assert.equal(t.listeners.live().size, 2);
  t.addresses.failOn = undefined;
  await t.proxier.sync();
  assert.deepEqual([...t.addresses.addresses].sort(), ['10.244.128.40', '10.244.128.41']);
  assert.equal(t.addresses.calls.filter((c) => c === 'list').length, 2, 'after a failure the interface is listed again');
});

test('requestAddressListing notices an address removed behind our back', async () => {
  const t = setup();
  t.services.put(web());
  await t.proxier.sync();
  t.addresses.addresses.clear();
  await t.proxier.sync();
  assert.equal(t.addresses.addresses.size, 0);
  t.proxier.requestAddressListing();
  await t.proxier.sync();
  assert.deepEqual([...t.addresses.addresses], ['10.244.128.10']);
});

test('close closes every listener', async () => {
  const t = setup();
  t.services.put(web());
  await t.proxier.sync();
  t.proxier.close();
  assert.equal(t.listeners.live().size, 0);
});
