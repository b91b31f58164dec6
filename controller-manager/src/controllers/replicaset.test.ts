import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { Pod, ReplicaSet } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { ReplicaSetController } from './replicaset.js';
import { podsToDelete } from './replicaset-pods.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { makePodsReady, pod, readyStatus, replicaSet, silentLog } from '../testing/fixtures.js';

function setup(opts: { ttlMs?: number } = {}) {
  const api = new InProcessApi();
  const replicasets = new FakeCache<ReplicaSet>(api, 'replicasets');
  const pods = new FakeCache<Pod>(api, 'pods');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const ctrl = new ReplicaSetController({
    api,
    replicasets,
    pods,
    queue,
    recorder,
    clock: api.clock,
    log: silentLog,
    expectationsTtlMs: opts.ttlMs,
  });
  const settle = (): Promise<number> => drain([{ ctrl, queue }]);
  return { api, replicasets, pods, queue, recorder, ctrl, settle };
}

const activePods = (api: InProcessApi): Pod[] => api.objects<Pod>('pods').filter((p) => !p.metadata.deletionTimestamp);

test('creates spec.replicas pods from the template with owner reference and generateName', async () => {
  const { api, ctrl, recorder, settle } = setup();
  const rs = await api.create('replicasets', replicaSet('web-abc', 3, { app: 'web', 'pod-template-hash': 'abc' }));
  await ctrl.reconcile('default/web-abc');
  assert.deepEqual(
    api.peek<ReplicaSet>('replicasets', 'default', 'web-abc')!.status,
    { replicas: 0, observedGeneration: 1 },
    'status from the pods seen before the creates',
  );
  await settle();
  const pods = api.objects<Pod>('pods');
  assert.equal(pods.length, 3);
  for (const p of pods) {
    assert.match(p.metadata.name!, /^web-abc-[0-9a-z]{5}$/);
    assert.deepEqual(p.metadata.labels, { app: 'web', 'pod-template-hash': 'abc' });
    assert.deepEqual(p.metadata.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-abc',
        uid: rs.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(p.spec.containers[0]!.image, 'nginx:1.25');
  }
  const creates = api.calls.filter((c) => c.verb === 'create' && c.resource === 'pods');
  assert.ok(creates.every((c) => c.object!.metadata.generateName === 'web-abc-' && !c.object!.metadata.name));
  assert.deepEqual(
    recorder.lines().sort(),
    pods.map((p) => `Normal SuccessfulCreate Created pod: ${p.metadata.name}`).sort(),
  );
  const status = api.peek<ReplicaSet>('replicasets', 'default', 'web-abc')!.status!;
  assert.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
});

test('expectations: no duplicate creates while the informer has not seen the new pods', async () => {
  const { api, ctrl, pods } = setup();
  await api.create('replicasets', replicaSet('web', 4));
  pods.hold();
  await ctrl.reconcile('default/web');
  assert.equal(api.count('create', 'pods'), 4);
  assert.deepEqual(ctrl.expectations.pending('default/web'), { adds: 4, dels: 0 });
  await ctrl.reconcile('default/web'); // cache still shows 0 pods
  assert.equal(api.count('create', 'pods'), 4, 'second sync must wait for the expectations');
  pods.release();
  assert.ok(ctrl.expectations.satisfied('default/web'));
  await ctrl.reconcile('default/web');
  assert.equal(api.count('create', 'pods'), 4);
  assert.equal(api.objects('pods').length, 4);
});

test('expectations expire after their TTL (upstream behaviour: the controller acts again)', async () => {
  const { api, ctrl, pods } = setup({ ttlMs: 60_000 });
  await api.create('replicasets', replicaSet('web', 2));
  pods.hold();
  await ctrl.reconcile('default/web');
  api.clock.advance(61_000);
  await ctrl.reconcile('default/web');
  assert.equal(api.count('create', 'pods'), 4);
});

test('slow start: creates in batches 1,2,4… and stops after the first failing batch', async () => {
  const { api, ctrl, recorder } = setup();
  await api.create('replicasets', replicaSet('web', 10));
  let n = 0;
  api.onRequest = (c) => {
    if (c.verb === 'create' && c.resource === 'pods' && ++n === 4)
      throw new ApiError('Invalid', 'Pod "x" is invalid: spec.containers[0].image: Required value');
  };
  await assert.rejects(ctrl.reconcile('default/web'), /Required value/);
  assert.equal(api.count('create', 'pods'), 7, 'batches of 1, 2 and 4');
  assert.equal(api.objects('pods').length, 6);
  assert.ok(ctrl.expectations.satisfied('default/web'), 'skipped and failed creates are not expected any more');
  assert.equal(
    recorder.lines().filter((l) => l.startsWith('Warning FailedCreate Error creating: Pod "x" is invalid')).length,
    1,
  );
  const rs = api.peek<ReplicaSet>('replicasets', 'default', 'web')!;
  const cond = (rs.status as { conditions?: { type: string; reason?: string }[] }).conditions?.[0];
  assert.equal(cond?.type, 'ReplicaFailure');
  assert.equal(cond?.reason, 'FailedCreate');
  api.onRequest = undefined;
  await ctrl.reconcile('default/web');
  assert.equal(api.objects('pods').length, 10);
  assert.equal(
    (api.peek<ReplicaSet>('replicasets', 'default', 'web')!.status as { conditions?: unknown[] }).conditions,
    undefined,
    'failure condition cleared',
  );
});

test('100 replicas are created in 7 slow-start rounds', async () => {
  const { api, ctrl } = setup();
  await api.create('replicasets', replicaSet('big', 100));
  await ctrl.reconcile('default/big');
  assert.equal(api.objects('pods').length, 100);
});

test('scale down deletes unscheduled / not-ready / newest pods first', async () => {
  const { api, ctrl, recorder, settle } = setup();
  const rs = await api.create('replicasets', replicaSet('web', 4));
  const ref = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true }];
  const mk = async (name: string, nodeName: string | undefined, ready: boolean): Promise<void> => {
    const p = pod(name, { app: 'web' }, nodeName ? { nodeName } : {});
    p.metadata.ownerReferences = ref;
    const c = await api.create('pods', p);
    await api.updateStatus('pods', { ...c, status: readyStatus('10.0.0.1', api.clock.now(), ready) });
    api.clock.advance(1000);
  };
  await mk('a-ready-old', 'n1', true);
  await mk('b-unscheduled', undefined, false);
  await mk('c-notready', 'n2', false);
  await mk('d-ready-new', 'n2', true);
  await ctrl.reconcile('default/web');
  assert.equal(api.count('create', 'pods'), 4, 'nothing to create');
  await api.update('replicasets', {
    ...api.peek<ReplicaSet>('replicasets', 'default', 'web')!,
    spec: { ...rs.spec, replicas: 2 },
  });
  await ctrl.reconcile('default/web');
  // bound pods are deleted gracefully (deletionTimestamp), unbound ones at once
  assert.deepEqual(
    activePods(api)
      .map((p) => p.metadata.name)
      .sort(),
    ['a-ready-old', 'd-ready-new'],
  );
  assert.deepEqual(recorder.lines().sort(), [
    'Normal SuccessfulDelete Deleted pod: b-unscheduled',
    'Normal SuccessfulDelete Deleted pod: c-notready',
  ]);
  assert.ok(ctrl.expectations.satisfied('default/web'));
  await settle();
  const status = api.peek<ReplicaSet>('replicasets', 'default', 'web')!.status!;
  assert.equal(status.replicas, 2, 'terminating pods are not counted');
  assert.equal(status.readyReplicas, 2);
  assert.equal(status.observedGeneration, 2);
});

test('terminating pods are replaced without waiting for the kubelet', async () => {
  const { api, ctrl } = setup();
  await api.create('replicasets', replicaSet('web', 2));
  await ctrl.reconcile('default/web');
  const [first] = api.objects<Pod>('pods');
  await api.bind('default', first!.metadata.name!, 'n1');
  await api.delete('pods', 'default', first!.metadata.name!);
  assert.ok(
    api.peek<Pod>('pods', 'default', first!.metadata.name!)!.metadata.deletionTimestamp,
    'graceful deletion pending',
  );
  await ctrl.reconcile('default/web');
  assert.equal(activePods(api).length, 2);
  assert.equal(api.objects('pods').length, 3);
});

test('availableReplicas honours minReadySeconds and requeues for it', async () => {
  const { api, ctrl, queue } = setup();
  await api.create('replicasets', replicaSet('web', 2, { app: 'web' }, { minReadySeconds: 10 }));
  await ctrl.reconcile('default/web');
  await makePodsReady(api);
  queue.clear();
  await ctrl.reconcile('default/web');
  let status = api.peek<ReplicaSet>('replicasets', 'default', 'web')!.status!;
  assert.equal(status.readyReplicas, 2);
  assert.equal(status.availableReplicas, undefined);
  assert.equal(queue.delayed.length, 1);
  assert.ok(queue.delayed[0]!.ms > 9_000 && queue.delayed[0]!.ms <= 10_100);
  api.clock.advance(10_000);
  await ctrl.reconcile('default/web');
  status = api.peek<ReplicaSet>('replicasets', 'default', 'web')!.status!;
  assert.equal(status.availableReplicas, 2);
});

test('status is written only when it changes', async () => {
  const { api, ctrl, settle } = setup();
  await api.create('replicasets', replicaSet('web', 1));
  await settle();
  assert.equal(api.peek<ReplicaSet>('replicasets', 'default', 'web')!.status!.replicas, 1);
  const before = api.count('updateStatus', 'replicasets');
  await ctrl.reconcile('default/web');
  await ctrl.reconcile('default/web');
  assert.equal(api.count('updateStatus', 'replicasets'), before);
});

test('adopts matching orphans and releases owned pods that stopped matching', async () => {
  const { api, ctrl } = setup();
  const rs = await api.create('replicasets', replicaSet('web', 2));
  await api.create('pods', pod('orphan', { app: 'web' }));
  const owned = pod('strayed', { app: 'other' });
  owned.metadata.ownerReferences = [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true },
  ];
  await api.create('pods', owned);
  await ctrl.reconcile('default/web');
  const orphan = api.peek<Pod>('pods', 'default', 'orphan')!;
  assert.equal(orphan.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);
  assert.equal(api.peek<Pod>('pods', 'default', 'strayed')!.metadata.ownerReferences, undefined);
  assert.equal(api.count('create', 'pods') - 2, 1, 'one new pod besides the adopted orphan');
  assert.equal(activePods(api).filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid).length, 2);
});

test('pods of other controllers and other namespaces are left alone; a deleting ReplicaSet creates nothing', async () => {
  const { api, ctrl } = setup();
  const other = pod('foreign', { app: 'web' });
  other.metadata.ownerReferences = [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'someone-else', controller: true },
  ];
  await api.create('pods', other);
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  await api.create('pods', {
    ...pod('elsewhere', { app: 'web' }),
    metadata: { name: 'elsewhere', namespace: 'other', labels: { app: 'web' } },
  });
  await api.create('replicasets', replicaSet('web', 1));
  await ctrl.reconcile('default/web');
  assert.equal(api.count('create', 'pods'), 3);
  assert.equal(api.peek<Pod>('pods', 'default', 'foreign')!.metadata.ownerReferences?.[0]?.uid, 'someone-else');
  await api.delete('replicasets', 'default', 'web', { propagationPolicy: 'Foreground' });
  await api.delete(
    'pods',
    'default',
    api.objects<Pod>('pods', 'default').find((p) => p.metadata.generateName)!.metadata.name!,
  );
  await ctrl.reconcile('default/web');
  assert.equal(api.count('create', 'pods'), 3);
});

test('podsToDelete ranks doubled-up pods and restarts', () => {
  const base = (name: string, node: string, restarts = 0, created = '2024-01-01T00:00:00Z'): Pod => ({
    ...pod(name, {}, { nodeName: node }),
    metadata: { name, namespace: 'default', creationTimestamp: created },
    status: {
      ...readyStatus('1.1.1.1', Date.UTC(2024, 0, 1)),
      containerStatuses: [
        { name: 'app', restartCount: restarts, ready: true, image: '', imageID: '', state: {}, lastState: {} },
      ],
    },
  });
  const pods = [
    base('alone', 'n1'),
    base('pair1', 'n2'),
    base('pair2', 'n2', 3),
    base('newer', 'n3', 0, '2024-01-02T00:00:00Z'),
  ];
  assert.deepEqual(
    podsToDelete(pods, 2).map((p) => p.metadata.name),
    ['pair2', 'pair1'],
  );
  assert.deepEqual(
    podsToDelete([pods[0]!, pods[3]!], 1).map((p) => p.metadata.name),
    ['newer'],
  );
});
