import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from '@kubelab/api';
import { computeSubsets, EndpointsController, findPort } from './endpoints.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { pod, readyStatus, silentLog } from '../testing/fixtures.js';

const svc = (
  ports: Service['spec']['ports'],
  selector: Record<string, string> | undefined = { app: 'web' },
  extra: Partial<Service['spec']> = {},
): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', labels: { team: 'a' } },
  spec: { selector, ports, clusterIP: '10.244.128.10', ...extra },
});

const webPod = (name: string, ip: string | undefined, ready: boolean, extra: Partial<Pod> = {}): Pod => {
  const p = pod(name, { app: 'web' }, { nodeName: 'node-1' });
  p.metadata.uid = `uid-${name}`;
  p.spec.containers[0]!.ports = [{ name: 'http', containerPort: 8080 }];
  if (ip) p.status = readyStatus(ip, 0, ready);
  return { ...p, ...extra };
};

test('ready pods go to addresses, others to notReadyAddresses; named targetPort resolved', () => {
  const subsets = computeSubsets(svc([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]), [
    webPod('b', '10.244.0.12', true),
    webPod('a', '10.244.0.9', true),
    webPod('c', '10.244.0.5', false),
    webPod('nip', undefined, false),
    { ...pod('other', { app: 'db' }), status: readyStatus('10.244.0.7', 0) },
  ]);
  assert.deepEqual(subsets, [
    {
      addresses: [
        {
          ip: '10.244.0.9',
          nodeName: 'node-1',
          targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
        },
        {
          ip: '10.244.0.12',
          nodeName: 'node-1',
          targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' },
        },
      ],
      notReadyAddresses: [
        {
          ip: '10.244.0.5',
          nodeName: 'node-1',
          targetRef: { kind: 'Pod', namespace: 'default', name: 'c', uid: 'uid-c' },
        },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ]);
});

test('terminating and finished pods are left out; pods without the named port are skipped', () => {
  const terminating = webPod('t', '10.244.0.2', true);
  terminating.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  const done = webPod('d', '10.244.0.3', false);
  done.status!.phase = 'Succeeded';
  const noPort = webPod('n', '10.244.0.4', true);
  noPort.spec.containers[0]!.ports = [];
  const s = svc([{ port: 80, targetPort: 'http' }]);
  assert.deepEqual(computeSubsets(s, [terminating, done, noPort]), []);
  const publish = svc([{ port: 80, targetPort: 'http' }], { app: 'web' }, { publishNotReadyAddresses: true });
  assert.equal(computeSubsets(publish, [terminating])[0]?.addresses?.[0]?.ip, '10.244.0.2');
});

test('ports: numeric targetPort, missing targetPort, several ports, subsets split by resolved ports', () => {
  assert.equal(findPort(webPod('a', '1.1.1.1', true), { port: 80 }), 80);
  assert.equal(findPort(webPod('a', '1.1.1.1', true), { port: 80, targetPort: 9000 }), 9000);
  assert.equal(findPort(webPod('a', '1.1.1.1', true), { port: 80, targetPort: 'http', protocol: 'UDP' }), undefined);
  const other = webPod('b', '10.244.0.20', true);
  other.spec.containers[0]!.ports = [{ name: 'http', containerPort: 9090 }];
  const subsets = computeSubsets(
    svc([
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9100, targetPort: 9100 },
    ]),
    [webPod('a', '10.244.0.10', true), other],
  );
  assert.equal(subsets.length, 2);
  assert.deepEqual(
    subsets.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.map((p) => `${p.name}:${p.port}`)]),
    [
      [['10.244.0.10'], ['http:8080', 'metrics:9100']],
      [['10.244.0.20'], ['http:9090', 'metrics:9100']],
    ],
  );
});

test('headless services without ports list addresses; hostname set for matching subdomain', () => {
  const p = webPod('a', '10.244.0.10', true);
  p.spec.hostname = 'a';
  p.spec.subdomain = 'web';
  const subsets = computeSubsets(svc([], { app: 'web' }, { clusterIP: 'None' }), [p]);
  assert.deepEqual(subsets, [
    {
      addresses: [
        {
          ip: '10.244.0.10',
          nodeName: 'node-1',
          hostname: 'a',
          targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
        },
      ],
    },
  ]);
  assert.deepEqual(computeSubsets(svc([]), [p]), [], 'a ClusterIP service without ports has no endpoints');
});

function setup() {
  const api = new InProcessApi();
  const services = new FakeCache<Service>(api, 'services');
  const pods = new FakeCache<Pod>(api, 'pods');
  const endpoints = new FakeCache<Endpoints>(api, 'endpoints');
  const queue = new ManualQueue();
  const ctrl = new EndpointsController({ api, services, pods, endpoints, queue, log: silentLog });
  return { api, ctrl, queue, settle: () => drain([{ ctrl, queue }]) };
}

test('controller: creates, updates on pod changes only when needed, deletes with the service', async () => {
  const { api, ctrl, settle } = setup();
  await api.create('services', svc([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]));
  await settle();
  let ep = api.peek<Endpoints>('endpoints', 'default', 'web')!;
  assert.deepEqual(ep.metadata.labels, { team: 'a' });
  assert.equal(ep.subsets, undefined);
  const p = await api.create('pods', webPod('a', undefined, false));
  await settle();
  assert.equal(api.count('update', 'endpoints'), 0, 'a pod without IP changes nothing');
  await api.updateStatus('pods', { ...p, status: readyStatus('10.244.0.10', 0, false) });
  await settle();
  ep = api.peek<Endpoints>('endpoints', 'default', 'web')!;
  assert.equal(ep.subsets?.[0]?.notReadyAddresses?.[0]?.ip, '10.244.0.10');
  const p2 = api.peek<Pod>('pods', 'default', 'a')!;
  await api.updateStatus('pods', { ...p2, status: readyStatus('10.244.0.10', 0, true) });
  await settle();
  ep = api.peek<Endpoints>('endpoints', 'default', 'web')!;
  assert.equal(ep.subsets?.[0]?.addresses?.[0]?.ip, '10.244.0.10');
  const updates = api.count('update', 'endpoints');
  ctrl.queue.add('default/web');
  await settle();
  assert.equal(api.count('update', 'endpoints'), updates, 'no write when nothing changed');
  await api.delete('services', 'default', 'web');
  await settle();
  assert.equal(api.peek('endpoints', 'default', 'web'), undefined);
});

test('controller: services without selector are left alone; leftover endpoints are removed after sync', async () => {
  const { api, ctrl, settle } = setup();
  await api.create('services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'manual', namespace: 'default' },
    spec: { ports: [{ port: 80 }] },
  } as Service);
  await api.create('endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'manual', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '192.168.1.1' }], ports: [{ port: 80 }] }],
  } as Endpoints);
  await api.create('endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'leftover', namespace: 'default' },
  } as Endpoints);
  ctrl.onSynced();
  await settle();
  assert.equal(api.peek<Endpoints>('endpoints', 'default', 'manual')!.subsets?.[0]?.addresses?.[0]?.ip, '192.168.1.1');
  assert.equal(api.peek('endpoints', 'default', 'leftover'), undefined);
});

test('controller: a deleted Endpoints object is recreated', async () => {
  const { api, settle } = setup();
  await api.create('services', svc([{ port: 80 }]));
  // The apiserver drops status on create (as upstream does): the kubelet's report is a status write.
  const p = await api.create('pods', webPod('a', undefined, false));
  await api.updateStatus('pods', { ...p, status: readyStatus('10.244.0.10', 0, true) });
  await settle();
  await api.delete('endpoints', 'default', 'web');
  await settle();
  assert.equal(api.peek<Endpoints>('endpoints', 'default', 'web')!.subsets?.[0]?.addresses?.[0]?.ip, '10.244.0.10');
});
