import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { Lease, Node } from '@kubelab/api';
import { NodeAgent } from './node.js';
import {
  chooseNodeIP,
  chooseNodeName,
  microTime,
  nodeNameFromContainerName,
  selfContainer,
  type HostFacts,
  type Registration,
} from './nodeinfo.js';
import { FakeRuntime } from './runtime/fake.js';
import type { RuntimeContainer } from './runtime/runtime.js';
import { TestApi, ManualClock, silentLogger } from './testing/fakes.js';

const FACTS: HostFacts = {
  cpus: 4,
  memoryBytes: 8 * 1024 ** 3,
  storageBytes: 100 * 1024 ** 3,
  arch: 'amd64',
  machineID: 'm'.repeat(32),
  systemUUID: 'uuid',
  bootID: 'boot',
  kernelVersion: '6.1.0',
  osImage: 'Linux',
};

function setup(overrides = {}, registration: Registration = {}) {
  const clock = new ManualClock(Date.parse('2026-11-23T00:10:48.123Z'));
  // kube-node-lease is left out: the kubelet creates it when it is missing.
  const api = new TestApi(clock, { namespaces: ['default'] });
  const runtime = new FakeRuntime({ cluster: 'c', node: 'n', network: 'net', clock });
  const agent = new NodeAgent({
    api,
    runtime,
    clock,
    log: silentLogger(),
    nodeName: 'kubelab-kubelet-1',
    hostIP: '10.244.0.5',
    facts: FACTS,
    overrides,
    registration,
    leaseMs: 5_000,
    leaseDurationSeconds: 40,
    statusMs: 10_000,
    reportMs: 60_000,
  });
  const node = () => api.peek<Node>('nodes', '', 'kubelab-kubelet-1');
  const lease = () => api.peek<Lease>('leases', 'kube-node-lease', 'kubelab-kubelet-1');
  return { clock, api, runtime, agent, node, lease };
}

describe('node name and address', () => {
  it('derives the node name from the container name', () => {
    assert.equal(nodeNameFromContainerName('/kubelab_kubelet_1'), 'kubelab-kubelet-1');
    assert.equal(nodeNameFromContainerName('/kubelab-kubelet-1'), 'kubelab-kubelet-1');
    assert.equal(nodeNameFromContainerName('/Lab_Kubelet_2'), 'lab-kubelet-2');
  });

  it('prefers KUBELAB_NODE_NAME, then the own container, then the hostname', () => {
    const self = { name: 'kubelab_kubelet_3', networks: { kubelab: '10.244.0.9' } } as unknown as RuntimeContainer;
    assert.equal(chooseNodeName('worker-a', self, 'abc'), 'worker-a');
    assert.equal(chooseNodeName('', self, 'abc'), 'kubelab-kubelet-3');
    assert.equal(chooseNodeName('', undefined, 'My_Host'), 'my-host');
  });

  it('finds the own container only when its id starts with the hostname', async () => {
    const c = { id: '0123456789abcdef', name: 'x', networks: {} } as unknown as RuntimeContainer;
    const inspect = (id: string) => Promise.resolve(id === '0123456789ab' || id === 'laptop' ? c : undefined);
    assert.equal(await selfContainer(inspect, '0123456789ab'), c);
    assert.equal(await selfContainer(inspect, 'laptop'), undefined, 'a hostname that is not a container id');
    assert.equal(await selfContainer(inspect, 'fedcba987654'), undefined);
  });

  it('uses the address on the cluster network, else the first external IPv4', () => {
    const self = { networks: { kubelab: '10.244.0.9', bridge: '172.17.0.2' } } as unknown as RuntimeContainer;
    const ifs = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [
        { address: 'fe80::1', family: 'IPv6', internal: false },
        { address: '192.168.1.4', family: 'IPv4', internal: false },
      ],
    };
    assert.equal(chooseNodeIP(self, 'kubelab', ifs), '10.244.0.9');
    assert.equal(chooseNodeIP(self, 'other', ifs), '192.168.1.4');
    assert.equal(chooseNodeIP(undefined, 'kubelab', {}), '127.0.0.1');
  });

  it('writes MicroTime with six fractional digits', () => {
    assert.equal(microTime(Date.parse('2026-11-23T00:10:48.123Z')), '2026-11-23T00:10:48.123000Z');
    assert.equal(microTime(Date.parse('2026-11-23T00:10:48Z')), '2026-11-23T00:10:48.000000Z');
  });
});

describe('node registration', () => {
  it('creates the Node with labels, capacity, conditions, addresses and nodeInfo', async () => {
    const { agent, node } = setup({ cpu: '2', memory: '4Gi' });
    await agent.register();
    const n = node()!;
    assert.deepEqual(n.metadata.labels, {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'kubelab-kubelet-1',
      'kubernetes.io/os': 'linux',
    });
    const st = n.status!;
    assert.deepEqual(st.capacity, { cpu: '2', memory: '4Gi', pods: '110', 'ephemeral-storage': '104857600Ki' });
    assert.deepEqual(st.allocatable, st.capacity);
    assert.deepEqual(
      st.conditions!.map((c) => [c.type, c.status, c.reason]),
      [
        ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
        ['Ready', 'True', 'KubeletReady'],
      ],
    );
    assert.equal(st.conditions![3]!.message, 'kubelet is posting ready status');
    assert.equal(st.conditions![3]!.lastHeartbeatTime, '2026-11-23T00:10:48Z');
    assert.deepEqual(st.addresses, [
      { type: 'InternalIP', address: '10.244.0.5' },
      { type: 'Hostname', address: 'kubelab-kubelet-1' },
    ]);
    assert.equal(st.nodeInfo?.containerRuntimeVersion, 'docker://20.10.24');
    assert.equal(st.nodeInfo?.kubeletVersion, 'v1.32.0-kubelab');
    assert.equal(st.nodeInfo?.operatingSystem, 'linux');
    assert.equal(st.nodeInfo?.architecture, 'amd64');
    assert.equal(st.nodeInfo?.osImage, 'Fake OS');
  });

  it('registers with the configured labels and taints (KUBELAB_NODE_LABELS, KUBELAB_NODE_TAINTS)', async () => {
    const { agent, node } = setup(
      {},
      {
        labels: { disk: 'ssd', 'kubernetes.io/hostname': 'not-this' },
        taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }],
      },
    );
    await agent.register();
    assert.equal(node()!.metadata.labels?.disk, 'ssd');
    assert.equal(node()!.metadata.labels?.['kubernetes.io/hostname'], 'kubelab-kubelet-1', 'the default labels win');
    assert.deepEqual(node()!.spec?.taints, [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
  });

  it('adds missing configured labels and taints to an existing Node, keeping the others', async () => {
    const { api, agent, node } = setup({}, { labels: { disk: 'ssd' }, taints: [{ key: 'gpu', effect: 'NoSchedule' }] });
    const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
    await api.seed('nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'kubelab-kubelet-1', labels: { zone: 'a' } },
      spec: { taints: [unreachable, { key: 'gpu', value: 'old', effect: 'NoSchedule' }] },
    });
    await agent.register();
    assert.equal(node()!.metadata.labels?.zone, 'a');
    assert.equal(node()!.metadata.labels?.disk, 'ssd');
    assert.deepEqual(
      node()!.spec?.taints,
      [unreachable, { key: 'gpu', value: 'old', effect: 'NoSchedule' }],
      'a taint of the same key and effect is there already',
    );
  });

  it('keeps foreign labels of an existing Node and adds its own', async () => {
    const { api, agent, node } = setup();
    await api.seed('nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'kubelab-kubelet-1', labels: { zone: 'a' } },
    });
    await agent.register();
    assert.equal(node()!.metadata.labels?.zone, 'a');
    assert.equal(node()!.metadata.labels?.['kubernetes.io/hostname'], 'kubelab-kubelet-1');
    assert.equal(api.count('create', 'nodes'), 0);
  });

  it('creates the lease (and its namespace if missing), then renews it', async () => {
    const { agent, lease, clock, api, node } = setup();
    await agent.register();
    await agent.renewLease();
    assert.equal(api.count('create', 'namespaces'), 1);
    const l = lease()!;
    assert.equal(l.spec.holderIdentity, 'kubelab-kubelet-1');
    assert.equal(l.spec.leaseDurationSeconds, 40);
    assert.equal(l.spec.renewTime, '2026-11-23T00:10:48.123000Z');
    assert.equal(l.metadata.ownerReferences?.[0]?.uid, node()!.metadata.uid);
    const creates = api.count('create', 'leases');
    clock.advance(5_000);
    await agent.renewLease();
    assert.equal(lease()!.spec.renewTime, '2026-11-23T00:10:53.123000Z');
    assert.equal(api.count('create', 'leases'), creates, 'renewal updates, never creates');
    assert.equal(api.count('get', 'leases'), 1, 'an update of the Lease the last renewal wrote: no read first');
    const updates = api.count('update', 'leases');
    // Changed by someone else: the update conflicts, and the renewal reads it and writes again.
    const other = lease()!;
    await api.update('leases', { ...other, spec: { ...other.spec, holderIdentity: 'someone-else' } });
    clock.advance(5_000);
    await agent.renewLease();
    assert.equal(lease()!.spec.holderIdentity, 'kubelab-kubelet-1');
    assert.equal(lease()!.spec.renewTime, '2026-11-23T00:10:58.123000Z');
    assert.equal(api.count('get', 'leases'), 2);
    assert.equal(api.count('update', 'leases'), updates + 3, "its own conflicted, someone's, its own again");
    // Deleted: created again.
    await api.delete('leases', 'kube-node-lease', 'kubelab-kubelet-1');
    clock.advance(5_000);
    await agent.renewLease();
    assert.equal(lease()!.spec.renewTime, '2026-11-23T00:11:03.123000Z');
  });

  it('writes status on change or once a minute, not on every check', async () => {
    const { agent, clock, api, runtime, node } = setup();
    await agent.register();
    const writes = () => api.count('updateStatus', 'nodes');
    assert.equal(writes(), 1);
    clock.advance(10_000);
    await agent.syncStatus();
    assert.equal(writes(), 1, 'unchanged and recent');
    runtime.down = true;
    clock.advance(10_000);
    await agent.syncStatus();
    assert.equal(writes(), 2, 'runtime down is a change');
    const ready = node()!.status!.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'KubeletNotReady');
    assert.match(ready.message ?? '', /^container runtime is down/);
    assert.equal(ready.lastTransitionTime, '2026-11-23T00:11:08Z');
    runtime.down = false;
    clock.advance(10_000);
    await agent.syncStatus();
    assert.equal(writes(), 3);
    clock.advance(30_000);
    await agent.syncStatus();
    assert.equal(writes(), 3);
    clock.advance(30_000);
    await agent.syncStatus();
    assert.equal(writes(), 4, 'heartbeat after 60s');
    const mem = node()!.status!.conditions!.find((c) => c.type === 'MemoryPressure')!;
    assert.equal(mem.lastTransitionTime, '2026-11-23T00:10:48Z', 'unchanged conditions keep their transition time');
    assert.equal(mem.lastHeartbeatTime, '2026-11-23T00:12:18Z');
  });

  it('reads the Node for a status check from the watch cache (resourceVersion 0), the latest after a conflict', async () => {
    const { agent, clock, api, runtime } = setup();
    await agent.register();
    const nodeGets = () => api.calls.filter((c) => c.verb === 'get' && c.resource === 'nodes');
    const before = nodeGets().length;
    runtime.down = true;
    clock.advance(10_000);
    api.fail('updateStatus', new ApiError('Conflict', 'the object has been modified'));
    await agent.syncStatus();
    assert.deepEqual(
      nodeGets()
        .slice(before)
        .map((c) => c.resourceVersion ?? ''),
      ['0', ''],
      'the check from the cache, the retry of the conflicted write from storage',
    );
    assert.equal(api.count('updateStatus', 'nodes'), 3, 'the registration, the conflict, its retry');
  });

  it('registers again when the Node was deleted', async () => {
    const { agent, api, node, lease } = setup();
    await agent.register();
    await agent.renewLease();
    const firstUid = node()!.metadata.uid;
    api.remove('nodes', '', 'kubelab-kubelet-1');
    await agent.syncStatus();
    assert.ok(node());
    assert.notEqual(node()!.metadata.uid, firstUid);
    assert.equal(lease()!.metadata.ownerReferences?.[0]?.uid, node()!.metadata.uid, 'the lease follows the new Node');
  });

  it('passes apiserver outages up (the loops retry)', async () => {
    const { agent, api } = setup();
    api.fail('get', new ApiError('ServiceUnavailable', 'connection refused'));
    await assert.rejects(agent.register(), /connection refused/);
    await agent.register();
  });
});
