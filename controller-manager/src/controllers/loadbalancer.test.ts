import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrsOverlap, type Service } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { LoadBalancerController } from './loadbalancer.js';
import { AddressPool, parsePoolCidr } from './loadbalancer-pool.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { silentLog } from '../testing/fixtures.js';

function setup(pool = '10.244.192.0/30') {
  const api = new InProcessApi();
  const services = new FakeCache<Service>(api, 'services');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const ctrl = new LoadBalancerController({
    api,
    services,
    pool: new AddressPool(parsePoolCidr('KUBELAB_LB_POOL', pool)),
    queue,
    recorder,
    log: silentLog,
  });
  const settle = () => drain([{ ctrl, queue }]);
  const ips = (name: string) =>
    (
      api.objects('services').find((s) => s.metadata.name === name) as Service | undefined
    )?.status?.loadBalancer?.ingress?.map((i) => i.ip);
  const put = (name: string, spec: Partial<Service['spec']>) =>
    api.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { ports: [{ port: 80 }], ...spec },
    } as Service);
  return { api, services, ctrl, settle, ips, put, recorder };
}

test('pool parsing, membership and overlap', () => {
  const c = parsePoolCidr('X', '10.244.192.7/24');
  assert.deepEqual(c, { base: ((10 << 24) | (244 << 16) | (192 << 8)) >>> 0, bits: 24 });
  assert.throws(
    () => parsePoolCidr('KUBELAB_LB_POOL', '10.244.300.0/24'),
    /KUBELAB_LB_POOL: Invalid value: "10.244.300.0\/24"/,
  );
  assert.ok(cidrsOverlap(parsePoolCidr('a', '10.244.128.0/17'), c));
  assert.ok(!cidrsOverlap(parsePoolCidr('a', '10.244.128.0/18'), c));
  const p = new AddressPool(parsePoolCidr('a', '10.0.0.0/30'));
  assert.deepEqual([p.allocate('a'), p.allocate('b'), p.allocate('c')], ['10.0.0.1', '10.0.0.2', undefined]);
});

test('a LoadBalancer Service gets the lowest free address; type change and delete release it', async () => {
  const t = setup();
  await t.put('a', { type: 'LoadBalancer' });
  await t.put('b', { type: 'LoadBalancer' });
  await t.put('c', { type: 'ClusterIP' });
  await t.settle();
  assert.deepEqual([t.ips('a'), t.ips('b'), t.ips('c')], [['10.244.192.1'], ['10.244.192.2'], undefined]);
  assert.ok(t.recorder.lines().includes('Normal EnsuredLoadBalancer Ensured load balancer with IP 10.244.192.1'));
  const a = t.api.objects('services').find((s) => s.metadata.name === 'a') as Service;
  await t.api.update('services', { ...a, spec: { ...a.spec, type: 'ClusterIP' } });
  await t.settle();
  assert.deepEqual(t.ips('a'), undefined);
  await t.put('d', { type: 'LoadBalancer' });
  await t.settle();
  assert.deepEqual(t.ips('d'), ['10.244.192.1'], 'the released address is handed out again');
  await t.api.delete('services', 'default', 'b');
  await t.put('e', { type: 'LoadBalancer' });
  await t.settle();
  assert.deepEqual(t.ips('e'), ['10.244.192.2']);
});

test('a full pool and a foreign loadBalancerIP are reported once; another class is left alone', async () => {
  const t = setup('10.244.192.5/32');
  await t.put('a', { type: 'LoadBalancer' });
  await t.put('b', { type: 'LoadBalancer' });
  await t.put('c', { type: 'LoadBalancer', loadBalancerIP: '192.168.1.1' });
  await t.put('x', { type: 'LoadBalancer', loadBalancerClass: 'example.com/other' });
  await t.settle();
  assert.equal(t.ips('x'), undefined);
  const pending = [t.ips('a'), t.ips('b')].filter((x) => x === undefined).length;
  assert.equal(pending, 1, 'a /32 holds one address');
  assert.equal(t.ips('c'), undefined);
  const warnings = t.recorder.lines().filter((l) => l.startsWith('Warning AllocationFailed'));
  assert.ok(
    warnings.some((w) =>
      w.includes('spec.loadBalancerIP: Invalid value: "192.168.1.1": not in the load-balancer pool 10.244.192.5/32'),
    ),
    warnings.join('\n'),
  );
});

test('spec.loadBalancerIP is honoured when free and in the pool', async () => {
  const t = setup('10.244.192.0/24');
  await t.put('a', { type: 'LoadBalancer', loadBalancerIP: '10.244.192.77' });
  await t.put('b', { type: 'LoadBalancer', loadBalancerIP: '10.244.192.77' });
  await t.settle();
  assert.deepEqual(t.ips('a'), ['10.244.192.77']);
  assert.equal(t.ips('b'), undefined);
  assert.ok(t.recorder.lines().some((l) => l.includes('already used by service default/a')));
});

test('after a restart the addresses in the statuses are kept (oldest Service first)', async () => {
  const t = setup();
  // The apiserver sets creationTimestamp and drops status on create: the earlier controller's
  // address is a status write after it.
  const withAddress = async (name: string): Promise<void> => {
    const s = await t.put(name, { type: 'LoadBalancer' });
    await t.api.updateStatus('services', { ...s, status: { loadBalancer: { ingress: [{ ip: '10.244.192.2' }] } } });
  };
  await withAddress('zold');
  t.api.clock.advance(60_000);
  await withAddress('dup');
  t.ctrl.onSynced();
  await t.settle();
  assert.deepEqual(t.ips('zold'), ['10.244.192.2']);
  assert.deepEqual(t.ips('dup'), ['10.244.192.1']);
});
