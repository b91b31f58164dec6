import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { POD_NAME_LABEL, REVISION_LABEL, StatefulSetController } from './statefulset.js';
import { applyRevision } from './statefulset-history.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { readyStatus, silentLog } from '../testing/fixtures.js';

function setup() {
  const api = new InProcessApi();
  const statefulsets = new FakeCache<StatefulSet>(api, 'statefulsets');
  const pods = new FakeCache<Pod>(api, 'pods');
  const claims = new FakeCache<PersistentVolumeClaim>(api, 'persistentvolumeclaims');
  const revisions = new FakeCache<ControllerRevision>(api, 'controllerrevisions');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const ctrl = new StatefulSetController({
    api,
    statefulsets,
    pods,
    claims,
    revisions,
    queue,
    recorder,
    clock: api.clock,
    log: silentLog,
  });
  return { api, recorder, settle: () => drain([{ ctrl, queue }]) };
}

const WWW = {
  metadata: { name: 'www' },
  spec: { accessModes: ['ReadWriteOnce' as const], resources: { requests: { storage: '1Gi' } } },
};

function sts(name: string, replicas: number, extra: Partial<StatefulSet['spec']> = {}): StatefulSet {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      serviceName: name,
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      ...extra,
    },
  };
}

const live = (api: InProcessApi): Pod[] => api.objects<Pod>('pods').filter((p) => !p.metadata.deletionTimestamp);
const names = (api: InProcessApi): string[] =>
  live(api)
    .map((p) => p.metadata.name!)
    .sort();
const get = (api: InProcessApi, name = 'web'): StatefulSet => api.peek<StatefulSet>('statefulsets', 'default', name)!;

async function ready(api: InProcessApi, name: string): Promise<void> {
  const p = api.peek<Pod>('pods', 'default', name)!;
  const bound = await api.bind('default', p.metadata.name!, 'n1');
  await api.updateStatus('pods', { ...bound, status: readyStatus('10.244.0.9', api.clock.now()) });
}

/** Settles, then makes every live pod ready and settles again, until all `n` pods exist and are ready. */
async function rollOut(api: InProcessApi, settle: () => Promise<number>, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await settle();
    const unready = live(api).filter(
      (p) => !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    for (const p of api.objects<Pod>('pods').filter((p) => p.metadata.deletionTimestamp))
      await api.finishPodDeletion('default', p.metadata.name!);
    if (unready.length === 0 && !api.objects<Pod>('pods').some((p) => p.metadata.deletionTimestamp)) {
      await settle();
      const s = get(api);
      if ((s.status?.readyReplicas ?? 0) === (s.spec.replicas ?? 1) && live(api).length === s.spec.replicas) return;
    }
    for (const p of unready) await ready(api, p.metadata.name!);
  }
  throw new Error('did not roll out');
}

test('OrderedReady: web-0 first, with its claim www-web-0 mounted; web-1 only once web-0 is ready', async () => {
  const { api, recorder, settle } = setup();
  await api.create('statefulsets', sts('web', 2, { volumeClaimTemplates: [WWW] }));
  await settle();
  assert.deepEqual(names(api), ['web-0']);
  const p0 = api.peek<Pod>('pods', 'default', 'web-0')!;
  assert.equal(p0.spec.hostname, 'web-0');
  assert.equal(p0.spec['subdomain'], 'web');
  assert.equal(p0.metadata.labels![POD_NAME_LABEL], 'web-0');
  assert.deepEqual(p0.spec['volumes'], [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
  const claim = api.peek<PersistentVolumeClaim>('persistentvolumeclaims', 'default', 'www-web-0')!;
  assert.deepEqual(claim.metadata.labels, { app: 'web' });
  assert.equal(claim.spec.resources?.requests?.['storage'], '1Gi');
  assert.equal(claim.metadata.ownerReferences, undefined, 'Retain: the claim outlives the set');
  await ready(api, 'web-0');
  await settle();
  assert.deepEqual(names(api), ['web-0', 'web-1']);
  assert.ok(
    recorder.lines().includes('Normal SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success'),
  );
  assert.ok(recorder.lines().includes('Normal SuccessfulCreate create Pod web-1 in StatefulSet web successful'));
});

test('scale down removes the highest ordinal first and keeps the claims; scale up reuses them', async () => {
  const { api, settle } = setup();
  await api.create('statefulsets', sts('web', 3, { volumeClaimTemplates: [WWW] }));
  await rollOut(api, settle);
  await api.update('statefulsets', { ...get(api), spec: { ...get(api).spec, replicas: 1 } });
  await settle();
  assert.deepEqual(names(api), ['web-0', 'web-1'], 'web-2 goes first and alone');
  await api.finishPodDeletion('default', 'web-2');
  await settle();
  assert.deepEqual(names(api), ['web-0']);
  const claims = api
    .objects<PersistentVolumeClaim>('persistentvolumeclaims')
    .map((c) => c.metadata.name)
    .sort();
  assert.deepEqual(claims, ['www-web-0', 'www-web-1', 'www-web-2']);
  await api.update('statefulsets', { ...get(api), spec: { ...get(api).spec, replicas: 3 } });
  await rollOut(api, settle);
  assert.equal(api.objects<PersistentVolumeClaim>('persistentvolumeclaims').length, 3, 'no new claims on scale-up');
});

test('whenScaled: Delete hands a condemned claim to its pod; whenDeleted: Delete to the set', async () => {
  const { api, settle } = setup();
  await api.create(
    'statefulsets',
    sts('web', 2, {
      volumeClaimTemplates: [WWW],
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
    }),
  );
  await rollOut(api, settle);
  const set = get(api);
  const owners = (n: string) =>
    api
      .peek<PersistentVolumeClaim>('persistentvolumeclaims', 'default', n)!
      .metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`);
  assert.deepEqual(owners('www-web-1'), ['StatefulSet/web']);
  await api.update('statefulsets', { ...set, spec: { ...set.spec, replicas: 1 } });
  await settle();
  assert.deepEqual(owners('www-web-1'), ['Pod/web-1'], 'the garbage collector deletes it with the pod');
  assert.deepEqual(owners('www-web-0'), ['StatefulSet/web']);
});

test('revisions: a template change makes revision 2 and rolls pods from the highest ordinal down to the partition', async () => {
  const { api, settle } = setup();
  await api.create(
    'statefulsets',
    sts('web', 3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }),
  );
  await rollOut(api, settle);
  const r1 = api.objects<ControllerRevision>('controllerrevisions');
  assert.equal(r1.length, 1);
  assert.equal(r1[0]!.revision, 1);
  assert.equal((r1[0]!.data as { spec: { template: Record<string, unknown> } }).spec.template['$patch'], 'replace');
  const before = get(api).status!.currentRevision!;
  assert.ok(live(api).every((p) => p.metadata.labels?.[REVISION_LABEL] === before));
  const set = get(api);
  set.spec.template.spec.containers[0]!.image = 'nginx:2';
  await api.update('statefulsets', set);
  await rollOut(api, settle);
  const s = get(api).status!;
  assert.notEqual(s.updateRevision, before);
  assert.equal(s.currentRevision, before, 'a partition keeps the rollout incomplete');
  const rev = (n: string) => api.peek<Pod>('pods', 'default', n)!.metadata.labels?.[REVISION_LABEL];
  assert.deepEqual([rev('web-0'), rev('web-1'), rev('web-2')], [before, s.updateRevision, s.updateRevision]);
  assert.equal(s.updatedReplicas, 2);
  // A deleted pod below the partition comes back at the current revision.
  await api.delete('pods', 'default', 'web-0', { gracePeriodSeconds: 0 });
  await rollOut(api, settle);
  assert.equal(rev('web-0'), before);
  // Partition 0 completes the rollout.
  const again = get(api);
  await api.update('statefulsets', {
    ...again,
    spec: { ...again.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } },
  });
  await rollOut(api, settle);
  assert.equal(rev('web-0'), s.updateRevision);
  assert.equal(get(api).status!.currentRevision, s.updateRevision);
});

test('going back to an older template reuses its revision with a new number (rollout undo)', async () => {
  const { api, settle } = setup();
  await api.create('statefulsets', sts('web', 1));
  await rollOut(api, settle);
  const first = api.objects<ControllerRevision>('controllerrevisions')[0]!;
  const set = get(api);
  set.spec.template.spec.containers[0]!.image = 'nginx:2';
  await api.update('statefulsets', set);
  await rollOut(api, settle);
  const undone = applyRevision(get(api), first);
  await api.update('statefulsets', undone);
  await rollOut(api, settle);
  const revs = api.objects<ControllerRevision>('controllerrevisions').sort((a, b) => a.revision - b.revision);
  assert.equal(revs.length, 2);
  assert.equal(revs.at(-1)!.metadata.name, first.metadata.name);
  assert.equal(revs.at(-1)!.revision, 3);
  assert.equal(get(api).status!.updateRevision, first.metadata.name);
});

test('OnDelete: a template change replaces nothing until a pod is deleted', async () => {
  const { api, settle } = setup();
  await api.create('statefulsets', sts('web', 2, { updateStrategy: { type: 'OnDelete' } }));
  await rollOut(api, settle);
  const set = get(api);
  const old = set.status!.currentRevision;
  set.spec.template.spec.containers[0]!.image = 'nginx:2';
  await api.update('statefulsets', set);
  await rollOut(api, settle);
  const rev = (n: string) => api.peek<Pod>('pods', 'default', n)!.metadata.labels?.[REVISION_LABEL];
  assert.deepEqual([rev('web-0'), rev('web-1')], [old, old]);
  await api.delete('pods', 'default', 'web-1', { gracePeriodSeconds: 0 });
  await rollOut(api, settle);
  assert.equal(rev('web-1'), get(api).status!.updateRevision);
  assert.equal(rev('web-0'), old);
});

test('Parallel: all pods at once; a failed pod is deleted and recreated', async () => {
  const { api, settle } = setup();
  await api.create('statefulsets', sts('db', 3, { podManagementPolicy: 'Parallel' }));
  await settle();
  assert.deepEqual(names(api), ['db-0', 'db-1', 'db-2']);
  const p = api.peek<Pod>('pods', 'default', 'db-1')!;
  const uid = p.metadata.uid;
  await api.updateStatus('pods', { ...p, status: { phase: 'Failed' } });
  await settle();
  await settle();
  const again = api.peek<Pod>('pods', 'default', 'db-1');
  assert.ok(again && again.metadata.uid !== uid, 'recreated under the same name');
});
