import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, Pod, Service } from '@kubelab/api';
import { EndpointSliceController } from './endpointslice.js';
import { desiredSlices } from './endpointslice-compute.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { pod, readyStatus, silentLog } from '../testing/fixtures.js';

function setup() {
  const api = new InProcessApi();
  const services = new FakeCache<Service>(api, 'services');
  const pods = new FakeCache<Pod>(api, 'pods');
  const slices = new FakeCache<EndpointSlice>(api, 'endpointslices');
  const queue = new ManualQueue();
  const ctrl = new EndpointSliceController({ api, services, pods, slices, queue, clock: api.clock, log: silentLog });
  return { api, slices, settle: () => drain([{ ctrl, queue }]) };
}

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

test('a placeholder slice, then the selected pods with conditions, node, targetRef and ports', async () => {
  const { api, settle } = setup();
  await api.create('services', svc);
  await settle();
  let slices = api.objects<EndpointSlice>('endpointslices');
  assert.equal(slices.length, 1);
  assert.match(slices[0]!.metadata.name!, /^web-/);
  assert.equal(slices[0]!.metadata.labels!['kubernetes.io/service-name'], 'web');
  assert.equal(slices[0]!.metadata.ownerReferences![0]!.kind, 'Service');
  assert.equal(slices[0]!.addressType, 'IPv4');
  assert.equal(slices[0]!.endpoints, null);
  const a = await api.create('pods', pod('a', { app: 'web' }, { nodeName: 'n1' }));
  await api.updateStatus('pods', { ...a, status: readyStatus('10.244.0.20', 0) });
  const b = await api.create('pods', pod('b', { app: 'web' }, { nodeName: 'n2' }));
  await api.updateStatus('pods', { ...b, status: readyStatus('10.244.0.3', 0, false) });
  await api.create('pods', pod('other', { app: 'x' }));
  await settle();
  slices = api.objects<EndpointSlice>('endpointslices');
  assert.equal(slices.length, 1, 'the slice is updated, not duplicated');
  const s = slices[0]!;
  assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(
    s.endpoints!.map((e) => [e.addresses[0], e.conditions, e.nodeName, e.targetRef?.name]),
    [
      ['10.244.0.3', { ready: false, serving: false, terminating: false }, 'n2', 'b'],
      ['10.244.0.20', { ready: true, serving: true, terminating: false }, 'n1', 'a'],
    ],
  );
  // A terminating pod stays listed as serving but not ready.
  await api.delete('pods', 'default', 'a');
  await settle();
  const e = api.objects<EndpointSlice>('endpointslices')[0]!.endpoints!.find((x) => x.targetRef?.name === 'a')!;
  assert.deepEqual(e.conditions, { ready: false, serving: true, terminating: true });
});

test('slices of a deleted service are removed', async () => {
  const { api, settle } = setup();
  await api.create('services', svc);
  await settle();
  assert.equal(api.objects('endpointslices').length, 1);
  await api.delete('services', 'default', 'web');
  await settle();
  assert.equal(api.objects('endpointslices').length, 0);
});

test("publishNotReadyAddresses: every endpoint ready, serving still the pod's readiness", () => {
  const svc: Service = {
    metadata: { name: 's', namespace: 'default' },
    spec: { selector: { app: 'a' }, publishNotReadyAddresses: true, ports: [{ port: 80 }] },
  };
  const notReady: Pod = {
    metadata: { name: 'p', namespace: 'default', labels: { app: 'a' } },
    spec: { containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Running', podIP: '10.244.0.9', conditions: [{ type: 'Ready', status: 'False' }] },
  };
  const [slice] = desiredSlices(svc, [notReady]);
  assert.deepEqual(slice!.endpoints![0]!.conditions, { ready: true, serving: false, terminating: false });
});
