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
import { PersistentVolumeBinder } from './pvbinder.js';
import { DockerVolumeProvisioner } from './provisioner.js';
import { StorageProtectionController } from './pvprotection.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { silentLog } from '../testing/fixtures.js';

function setup() {
  const api = new InProcessApi();
  const volumes = new FakeCache<PersistentVolume>(api, 'persistentvolumes');
  const claims = new FakeCache<PersistentVolumeClaim>(api, 'persistentvolumeclaims');
  const classes = new FakeCache<StorageClass>(api, 'storageclasses');
  const nodes = new FakeCache<Node>(api, 'nodes');
  const recorder = new MemoryEventRecorder();
  const bq = new ManualQueue();
  const pq = new ManualQueue();
  const common = { api, volumes, claims, classes, recorder, clock: api.clock, log: silentLog };
  const binder = new PersistentVolumeBinder({ ...common, queue: bq });
  const provisioner = new DockerVolumeProvisioner({ ...common, nodes, queue: pq, cluster: 'lab' });
  // The apiserver gives claims and volumes protection finalizers: a deleted claim goes once this lets it.
  const sq = new ManualQueue();
  const protection = new StorageProtectionController({
    api,
    claims,
    volumes,
    pods: new FakeCache<Pod>(api, 'pods'),
    queue: sq,
    log: silentLog,
  });
  return {
    api,
    recorder,
    settle: () =>
      drain([
        { ctrl: binder, queue: bq },
        { ctrl: provisioner, queue: pq },
        { ctrl: protection, queue: sq },
      ]),
    provisioner,
  };
}

const hostPathPV = (name: string, size: string, extra: Partial<PersistentVolume['spec']> = {}): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, labels: { type: 'local' } },
  spec: {
    capacity: { storage: size },
    accessModes: ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: 'Retain',
    storageClassName: 'manual',
    hostPath: { path: `/data/${name}` },
    ...extra,
  },
  status: { phase: 'Pending' },
});

const claim = (
  name: string,
  size: string,
  extra: Partial<PersistentVolumeClaim['spec']> = {},
  annotations?: Record<string, string>,
): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: size } },
    storageClassName: 'manual',
    ...extra,
  },
  status: { phase: 'Pending' },
});

const pv = (api: InProcessApi, name: string) => api.peek<PersistentVolume>('persistentvolumes', '', name)!;
const pvc = (api: InProcessApi, name: string) =>
  api.peek<PersistentVolumeClaim>('persistentvolumeclaims', 'default', name)!;

test('a static volume becomes Available; a claim binds to the smallest one that fits, both sides Bound', async () => {
  const { api, settle } = setup();
  await api.create('persistentvolumes', hostPathPV('big', '10Gi'));
  await api.create('persistentvolumes', hostPathPV('small', '2Gi'));
  await api.create('persistentvolumes', hostPathPV('tiny', '500Mi'));
  await settle();
  assert.equal(pv(api, 'small').status?.phase, 'Available');
  await api.create('persistentvolumeclaims', claim('data', '1Gi'));
  await settle();
  const c = pvc(api, 'data');
  assert.equal(c.spec.volumeName, 'small');
  assert.equal(c.status?.phase, 'Bound');
  assert.deepEqual(c.status?.capacity, { storage: '2Gi' });
  assert.deepEqual(c.status?.accessModes, ['ReadWriteOnce']);
  assert.equal(c.metadata.annotations?.[STORAGE.bindCompleted], 'yes');
  const v = pv(api, 'small');
  assert.equal(v.status?.phase, 'Bound');
  assert.equal(v.spec.claimRef?.uid, c.metadata.uid);
  assert.equal(v.metadata.annotations?.[STORAGE.boundByController], 'yes');
  assert.equal(pv(api, 'big').status?.phase, 'Available');
});

test('no fitting volume: the claim stays Pending, and binds when one appears; a deleted claim leaves its Retain volume Released', async () => {
  const { api, recorder, settle } = setup();
  await api.create('persistentvolumeclaims', claim('data', '5Gi', { accessModes: ['ReadWriteMany'] }));
  await api.create('persistentvolumes', hostPathPV('rwo', '10Gi'));
  await settle();
  assert.equal(pvc(api, 'data').status?.phase, 'Pending');
  assert.equal(pvc(api, 'data').spec.volumeName, undefined);
  await api.create('persistentvolumes', hostPathPV('rwx', '10Gi', { accessModes: ['ReadWriteMany'] }));
  await settle();
  assert.equal(pvc(api, 'data').spec.volumeName, 'rwx');
  await api.delete('persistentvolumeclaims', 'default', 'data');
  await settle();
  assert.equal(pv(api, 'rwx').status?.phase, 'Released');
  // No class at all: upstream's event.
  await api.create('persistentvolumeclaims', claim('nothing', '1Gi', { storageClassName: '' }));
  await settle();
  assert.ok(
    recorder
      .lines()
      .includes('Normal FailedBinding no persistent volumes available for this claim and no storage class is set'),
  );
});

test('a Delete static volume fails with a clear message once released', async () => {
  const { api, recorder, settle } = setup();
  await api.create('persistentvolumes', hostPathPV('v', '1Gi', { persistentVolumeReclaimPolicy: 'Delete' }));
  await api.create('persistentvolumeclaims', claim('c', '1Gi'));
  await settle();
  assert.equal(pv(api, 'v').status?.phase, 'Bound');
  await api.delete('persistentvolumeclaims', 'default', 'c');
  await settle();
  assert.equal(pv(api, 'v').status?.phase, 'Failed');
  assert.match(pv(api, 'v').status?.message ?? '', /does not delete the data of a static volume/);
  assert.ok(recorder.lines().some((l) => l.startsWith('Warning VolumeFailedDelete')));
});

test('WaitForFirstConsumer: the claim waits for a node; once selected, the provisioner makes a pinned Docker-volume PV that binds', async () => {
  const { api, recorder, settle, provisioner } = setup();
  provisioner.onSynced();
  await settle();
  const sc = api.peek<StorageClass>('storageclasses', '', 'standard')!;
  assert.deepEqual(
    [sc.provisioner, sc.volumeBindingMode, sc.reclaimPolicy, sc.metadata.annotations?.[STORAGE.isDefaultClass]],
    ['kubelab.io/docker-volume', 'WaitForFirstConsumer', 'Delete', 'true'],
  );
  await api.create('nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } },
  });
  await api.create('persistentvolumeclaims', claim('www-web-0', '1Gi', { storageClassName: 'standard' }));
  await settle();
  assert.equal(api.objects('persistentvolumes').length, 0);
  assert.ok(
    recorder.lines().includes('Normal WaitForFirstConsumer waiting for first consumer to be created before binding'),
  );
  const c = pvc(api, 'www-web-0');
  await api.update('persistentvolumeclaims', {
    ...c,
    metadata: { ...c.metadata, annotations: { [STORAGE.selectedNode]: 'node-a' } },
  });
  await settle();
  const bound = pvc(api, 'www-web-0');
  assert.equal(bound.metadata.annotations?.[STORAGE.storageProvisioner], 'kubelab.io/docker-volume');
  assert.equal(bound.status?.phase, 'Bound');
  const v = pv(api, bound.spec.volumeName!);
  assert.equal(v.metadata.name, `pvc-${bound.metadata.uid}`);
  assert.equal(v.spec.csi?.volumeHandle, `lab-pvc-${bound.metadata.uid}`);
  assert.deepEqual(v.spec.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values, ['node-a']);
  assert.equal(v.spec.persistentVolumeReclaimPolicy, 'Delete');
  assert.ok(v.metadata.finalizers?.includes('kubelab.io/docker-volume'));
  assert.ok(
    recorder
      .lines()
      .some((l) =>
        /^Normal ProvisioningSucceeded Successfully provisioned volume pvc-.*recorded, not enforced$/.test(l),
      ),
  );
  // Claim deleted: Released, then the provisioner deletes the PV (the kubelet's finalizer holds it).
  await api.delete('persistentvolumeclaims', 'default', 'www-web-0');
  await settle();
  const gone = pv(api, v.metadata.name!);
  assert.ok(gone.metadata.deletionTimestamp, 'deleting, waiting for the kubelet to remove the Docker volume');
});
