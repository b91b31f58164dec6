import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { newRegistry, T0 } from '../registry/testing.js';
import { advertiseAddress, MasterEndpoints } from './master.js';

const log = pino({ level: 'silent' });

test('the kubernetes Service gets the addresses of the apiservers whose leases are current', async () => {
  const { registry } = await newRegistry();
  let now = T0;
  const clock = { now: () => now };
  const a = new MasterEndpoints({ registry, ip: '10.9.0.3', port: 6443, clock, log });
  const b = new MasterEndpoints({ registry, ip: '10.9.0.2', port: 6443, clock, log });
  await a.reconcile();
  await b.reconcile();
  await a.reconcile();
  const ep = (await registry.get('endpoints', 'default', 'kubernetes')) as unknown as {
    subsets: { addresses: { ip: string }[]; ports: unknown[] }[];
  };
  assert.deepEqual(
    ep.subsets[0]?.addresses.map((x) => x.ip),
    ['10.9.0.2', '10.9.0.3'],
  );
  assert.deepEqual(ep.subsets[0]?.ports, [{ name: 'https', port: 6443, protocol: 'TCP' }]);
  const slice = (await registry.get('endpointslices', 'default', 'kubernetes')) as unknown as {
    metadata: { labels: Record<string, string> };
    endpoints: { addresses: string[] }[];
  };
  assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
  assert.deepEqual(
    slice.endpoints.map((e) => e.addresses[0]),
    ['10.9.0.2', '10.9.0.3'],
  );
  now += 20_000; // b stopped renewing
  await a.reconcile();
  assert.deepEqual(await a.live(), ['10.9.0.3']);
  const after = (await registry.get('endpointslices', 'default', 'kubernetes')) as unknown as {
    endpoints: { addresses: string[] }[];
  };
  assert.deepEqual(
    after.endpoints.map((e) => e.addresses[0]),
    ['10.9.0.3'],
  );
});

test('the advertise address is the host address inside the lab network', () => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [{ address: '172.20.0.4', family: 'IPv4', internal: false }],
    eth1: [{ address: '10.7.0.5', family: 'IPv4', internal: false }],
  } as never;
  assert.equal(advertiseAddress('10.7.0.0/16', ifaces), '10.7.0.5');
  assert.equal(advertiseAddress('10.8.0.0/16', ifaces), undefined);
  assert.throws(() => advertiseAddress('nope', ifaces), /KUBELAB_ADVERTISE_CIDR: Invalid value: "nope"/);
});
