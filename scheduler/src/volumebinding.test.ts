import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STORAGE, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StorageClass } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { Scheduler } from './scheduler.js';
import { VolumeBinder } from './volumebinder.js';
import { FakeSchedulerApi, ManualQueue, MapCache, node, pod, silentLog } from './testing/fakes.js';

function setup(nodes: Node[] = [node('node-1'), node('node-2')]) {
  const api = new FakeSchedulerApi();
  const pods = new MapCache<Pod>();
  const nodeCache = new MapCache<Node>();
  const claims = new MapCache<PersistentVolumeClaim>();
  const volumes = new MapCache<PersistentVolume>();
  const classes = new MapCache<StorageClass>();
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const clock = { now: () => Date.UTC(2024, 0, 1) };
  api.onUpdate = (resource, obj) => (resource === 'persistentvolumes' ? volumes.set(obj as PersistentVolume) : claims.set(obj as PersistentVolumeClaim));
  const binder = new VolumeBinder({ api, claims, volumes, classes, nodes: nodeCache, clock, log: silentLog });
  const sched = new Scheduler({ api, pods, nodes: nodeCache, queue, recorder, clock, log: silentLog, volumes: binder });
  for (const n of nodes) nodeCache.set(n);
  classes.set({ metadata: { name: 'standard' }, provisioner: 'kubelab.io/docker-volume', volumeBindingMode: 'WaitForFirstConsumer' });
  classes.set({ metadata: { name: 'now' }, provisioner: 'kubelab.io/docker-volume', volumeBindingMode: 'Immediate' });
  classes.set({ metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
  const runAll = async (): Promise<void> => {
    for (let k = queue.take(); k !== undefined; k = queue.take()) await sched.reconcile(k);
  };
  return { api, pods, claims, volumes, nodeCache, queue, recorder, runAll };
}

const claim = (name: string, cls: string, extra: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: cls, ...extra },
  status: { phase: 'Pending' },
});

const onNode = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In' as const, values: [n] }] }] } });

const volume = (name: string, cls: string, affinityNode?: string): PersistentVolume => ({
  metadata: { name },
  spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: cls, hostPath: { path: `/d/${name}` }, ...(affinityNode ? { nodeAffinity: onNode(affinityNode) } : {}) },
  status: { phase: 'Available' },
});

const usingClaim = (name: string, claimName: string): Pod => pod(name, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] } as Partial<Pod['spec']>);

const podScheduled = (api: FakeSchedulerApi) => api.statusWrites.at(-1)?.status?.conditions?.find((c) => c.type === 'PodScheduled');

test('a missing claim or an unbound Immediate claim: unschedulable with upstream messages', async () => {
  const { api, pods, claims, runAll, recorder } = setup();
  pods.set(usingClaim('a', 'nope'));
  await runAll();
  assert.equal(podScheduled(api)?.message, '0/2 nodes are available: persistentvolumeclaim "nope" not found.');
  claims.set(claim('imm', 'now'));
  pods.set(usingClaim('b', 'imm'));
  await runAll();
  assert.equal(podScheduled(api)?.message, '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.');
  assert.ok(recorder.lines().includes('Warning FailedScheduling 0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.'));
  assert.equal(api.binds.length, 0);
});

test('WaitForFirstConsumer: the claim gets the selected node, and the pod is bound there only once the claim is bound', async () => {
  const { api, pods, claims, volumes, runAll, queue } = setup();
  claims.set(claim('www-web-0', 'standard'));
  pods.set(usingClaim('web-0', 'www-web-0'));
  await runAll();
  assert.equal(api.binds.length, 0, 'waits for the provisioner and the PV controller');
  const c = claims.get('default/www-web-0')!;
  const selected = c.metadata.annotations?.[STORAGE.selectedNode];
  assert.ok(selected === 'node-1' || selected === 'node-2');
  assert.ok(queue.delayed.some((d) => d.key === 'default/web-0'));
  // The provisioner makes a PV on that node; the PV controller binds the claim.
  volumes.set({ ...volume('pvc-1', 'standard', selected), spec: { ...volume('pvc-1', 'standard', selected).spec, claimRef: { namespace: 'default', name: 'www-web-0', uid: 'uid-www-web-0' } } });
  claims.set({ ...c, spec: { ...c.spec, volumeName: 'pvc-1' }, status: { phase: 'Bound' } });
  await runAll();
  assert.deepEqual(api.binds.map((b) => [b.name, b.node]), [['web-0', selected]]);
});

test('a static volume pinned to node-2 takes the pod to node-2 and is pre-bound to the claim', async () => {
  const { api, pods, claims, volumes, runAll } = setup();
  volumes.set(volume('local-a', 'local', 'node-2'));
  claims.set(claim('data', 'local'));
  pods.set(usingClaim('db', 'data'));
  await runAll();
  const pre = api.updates.find((u) => u.resource === 'persistentvolumes')?.obj as PersistentVolume | undefined;
  assert.equal(pre?.spec.claimRef?.uid, 'uid-data');
  assert.equal(pre?.metadata.annotations?.[STORAGE.boundByController], 'yes');
  const c = claims.get('default/data')!;
  claims.set({ ...c, spec: { ...c.spec, volumeName: 'local-a' }, status: { phase: 'Bound' } });
  await runAll();
  assert.deepEqual(api.binds.map((b) => b.node), ['node-2']);
});

test("a bound claim's volume affinity decides the node; no node fits: upstream's count of reasons", async () => {
  const { api, pods, claims, volumes, nodeCache, runAll } = setup();
  volumes.set(volume('pv-1', 'standard', 'node-1'));
  claims.set({ ...claim('data', 'standard', { volumeName: 'pv-1' }), status: { phase: 'Bound' } });
  nodeCache.set(node('node-1', { unschedulable: true }));
  pods.set(usingClaim('p', 'data'));
  await runAll();
  assert.equal(api.binds.length, 0);
  assert.equal(podScheduled(api)?.message, '0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable.');
  nodeCache.set(node('node-1'));
  await runAll();
  assert.deepEqual(api.binds.map((b) => b.node), ['node-1']);
});

test('a class without a provisioner and no matching volume: no node fits', async () => {
  const { api, pods, claims, runAll } = setup();
  claims.set(claim('data', 'local'));
  pods.set(usingClaim('p', 'data'));
  await runAll();
  assert.equal(podScheduled(api)?.message, "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.");
});
