import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  STORAGE,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type StorageClass,
} from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { Scheduler } from './scheduler.js';
import { VolumeBinder } from './volumebinder.js';
import { binds, node, pod, silentLog, statusWrites } from './testing/fakes.js';

const storageClass = (
  name: string,
  provisioner: string,
  volumeBindingMode: StorageClass['volumeBindingMode'],
): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner,
  volumeBindingMode,
});

async function setup(nodes: Node[] = [node('node-1'), node('node-2')]) {
  const api = new InProcessApi();
  const pods = new FakeCache<Pod>(api, 'pods');
  const nodeCache = new FakeCache<Node>(api, 'nodes');
  const claims = new FakeCache<PersistentVolumeClaim>(api, 'persistentvolumeclaims');
  const volumes = new FakeCache<PersistentVolume>(api, 'persistentvolumes');
  const classes = new FakeCache<StorageClass>(api, 'storageclasses');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const binder = new VolumeBinder({
    api,
    claims,
    volumes,
    classes,
    nodes: nodeCache,
    clock: api.clock,
    log: silentLog,
  });
  const sched = new Scheduler({
    api,
    pods,
    nodes: nodeCache,
    queue,
    recorder,
    clock: api.clock,
    log: silentLog,
    volumes: binder,
  });
  for (const n of nodes) await api.create('nodes', n);
  await api.create('storageclasses', storageClass('standard', 'kubelab.io/docker-volume', 'WaitForFirstConsumer'));
  await api.create('storageclasses', storageClass('now', 'kubelab.io/docker-volume', 'Immediate'));
  await api.create('storageclasses', storageClass('local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'));
  const runAll = async (): Promise<void> => {
    for (let k = queue.take(); k !== undefined; k = queue.take()) await sched.reconcile(k);
    await sched.flush(); // the binds sent (binder.ts sends those of a turn together)
  };
  return { api, queue, recorder, runAll };
}

const claim = (
  name: string,
  cls: string,
  extra: Partial<PersistentVolumeClaim['spec']> = {},
): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '1Gi' } },
    storageClassName: cls,
    ...extra,
  },
});

const onNode = (n: string) => ({
  required: {
    nodeSelectorTerms: [
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In' as const, values: [n] }] },
    ],
  },
});

const volume = (
  name: string,
  cls: string,
  affinityNode?: string,
  extra: Partial<PersistentVolume['spec']> = {},
): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    capacity: { storage: '5Gi' },
    accessModes: ['ReadWriteOnce'],
    storageClassName: cls,
    hostPath: { path: `/d/${name}` },
    ...(affinityNode ? { nodeAffinity: onNode(affinityNode) } : {}),
    ...extra,
  },
});

/** Creates a volume and reports it Available (the PV controller's status write: the apiserver starts it Pending). */
async function addVolume(api: InProcessApi, v: PersistentVolume): Promise<void> {
  const created = await api.create('persistentvolumes', v);
  await api.updateStatus('persistentvolumes', { ...created, status: { phase: 'Available' } });
}

/** What the PV controller does once the claim's volume is there: volumeName, then phase Bound. */
async function bindClaim(api: InProcessApi, name: string, volumeName: string): Promise<void> {
  const c = api.peek<PersistentVolumeClaim>('persistentvolumeclaims', 'default', name)!;
  const updated = await api.update('persistentvolumeclaims', { ...c, spec: { ...c.spec, volumeName } });
  await api.updateStatus('persistentvolumeclaims', { ...updated, status: { phase: 'Bound' } });
}

const usingClaim = (name: string, claimName: string): Pod =>
  pod(name, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] } as Partial<Pod['spec']>);

const podScheduled = (api: InProcessApi) =>
  statusWrites(api)
    .at(-1)
    ?.status?.conditions?.find((c) => c.type === 'PodScheduled');

test('a missing claim or an unbound Immediate claim: unschedulable with upstream messages', async () => {
  const { api, runAll, recorder } = await setup();
  await api.create('pods', usingClaim('a', 'nope'));
  await runAll();
  assert.equal(podScheduled(api)?.message, '0/2 nodes are available: persistentvolumeclaim "nope" not found.');
  await api.create('persistentvolumeclaims', claim('imm', 'now'));
  await api.create('pods', usingClaim('b', 'imm'));
  await runAll();
  assert.equal(
    podScheduled(api)?.message,
    '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
  );
  assert.ok(
    recorder
      .lines()
      .includes('Warning FailedScheduling 0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.'),
  );
  assert.equal(binds(api).length, 0);
});

test('WaitForFirstConsumer: the claim gets the selected node, and the pod is bound there only once the claim is bound', async () => {
  const { api, runAll, queue } = await setup();
  await api.create('persistentvolumeclaims', claim('www-web-0', 'standard'));
  await api.create('pods', usingClaim('web-0', 'www-web-0'));
  await runAll();
  assert.equal(binds(api).length, 0, 'waits for the provisioner and the PV controller');
  const c = api.peek<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'www-web-0')!;
  const selected = c.metadata.annotations?.[STORAGE.selectedNode];
  assert.ok(selected === 'node-1' || selected === 'node-2');
  assert.ok(queue.delayed.some((d) => d.key === 'default/web-0'));
  // The provisioner makes a PV on that node; the PV controller binds the claim.
  await addVolume(
    api,
    volume('pvc-1', 'standard', selected, {
      claimRef: { namespace: 'default', name: 'www-web-0', uid: c.metadata.uid },
    }),
  );
  await bindClaim(api, 'www-web-0', 'pvc-1');
  await runAll();
  assert.deepEqual(
    binds(api).map((b) => [b.name, b.node]),
    [['web-0', selected]],
  );
});

test('a static volume pinned to node-2 takes the pod to node-2 and is pre-bound to the claim', async () => {
  const { api, runAll } = await setup();
  await addVolume(api, volume('local-a', 'local', 'node-2'));
  const data = await api.create('persistentvolumeclaims', claim('data', 'local'));
  await api.create('pods', usingClaim('db', 'data'));
  await runAll();
  const pre = api.peek<PersistentVolume>('persistentvolumes', '', 'local-a')!;
  assert.equal(pre.spec.claimRef?.uid, data.metadata.uid);
  assert.equal(pre.metadata.annotations?.[STORAGE.boundByController], 'yes');
  await bindClaim(api, 'data', 'local-a');
  await runAll();
  assert.deepEqual(
    binds(api).map((b) => b.node),
    ['node-2'],
  );
});

test("a bound claim's volume affinity decides the node; no node fits: upstream's count of reasons", async () => {
  const { api, runAll } = await setup([node('node-1', { unschedulable: true }), node('node-2')]);
  await addVolume(api, volume('pv-1', 'standard', 'node-1'));
  const c = await api.create('persistentvolumeclaims', claim('data', 'standard', { volumeName: 'pv-1' }));
  await api.updateStatus('persistentvolumeclaims', { ...c, status: { phase: 'Bound' } });
  await api.create('pods', usingClaim('p', 'data'));
  await runAll();
  assert.equal(binds(api).length, 0);
  assert.equal(
    podScheduled(api)?.message,
    '0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable.',
  );
  const n1 = api.peek<Node>('nodes', '', 'node-1')!;
  delete n1.spec!.unschedulable;
  await api.update('nodes', n1);
  await runAll();
  assert.deepEqual(
    binds(api).map((b) => b.node),
    ['node-1'],
  );
});

test('a class without a provisioner and no matching volume: no node fits', async () => {
  const { api, runAll } = await setup();
  await api.create('persistentvolumeclaims', claim('data', 'local'));
  await api.create('pods', usingClaim('p', 'data'));
  await runAll();
  assert.equal(
    podScheduled(api)?.message,
    "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.",
  );
});
