import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, StatefulSet } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { POD_NAME_LABEL, StatefulSetController } from './statefulset.js';
import { FakeApi } from '../testing/fakeapi.js';
import { drain, FakeCache, ManualQueue } from '../testing/fakecache.js';
import { readyStatus, silentLog } from '../testing/fixtures.js';

function setup() {
  const api = new FakeApi();
  const statefulsets = new FakeCache<StatefulSet>(api, 'statefulsets');
  const pods = new FakeCache<Pod>(api, 'pods');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const ctrl = new StatefulSetController({ api, statefulsets, pods, queue, recorder, clock: api.clock, log: silentLog });
  return { api, recorder, settle: () => drain([{ ctrl, queue }]) };
}

function sts(name: string, replicas: number, extra: Partial<StatefulSet['spec']> = {}): StatefulSet {
  const labels = { app: name };
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: 'default', generation: 1 }, spec: { replicas, serviceName: name, podManagementPolicy: 'OrderedReady', selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } }, ...extra } };
}

const names = (api: FakeApi): string[] => api.objects<Pod>('pods').filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();

async function ready(api: FakeApi, name: string): Promise<void> {
  const p = api.peek<Pod>('pods', 'default', name)!;
  const bound = await api.update('pods', { ...p, spec: { ...p.spec, nodeName: 'n1' } });
  await api.updateStatus('pods', { ...bound, status: readyStatus('10.244.0.9', api.clock.now()) });
}

test('OrderedReady: creates web-0, then web-1 only once web-0 is Running and Ready', async () => {
  const { api, recorder, settle } = setup();
  await api.create('statefulsets', sts('web', 3));
  await settle();
  assert.deepEqual(names(api), ['web-0']);
  const p0 = api.peek<Pod>('pods', 'default', 'web-0')!;
  assert.equal(p0.spec.hostname, 'web-0');
  assert.equal(p0.spec['subdomain'], 'web');
  assert.equal(p0.metadata.labels![POD_NAME_LABEL], 'web-0');
  assert.equal(p0.metadata.labels!['apps.kubernetes.io/pod-index'], '0');
  await ready(api, 'web-0');
  await settle();
  assert.deepEqual(names(api), ['web-0', 'web-1']);
  await ready(api, 'web-1');
  await settle();
  await ready(api, 'web-2');
  await settle();
  const s = api.peek<StatefulSet>('statefulsets', 'default', 'web')!.status!;
  assert.deepEqual([s.replicas, s.readyReplicas, s.currentReplicas, s.updatedReplicas], [3, 3, 3, 3]);
  assert.ok(recorder.lines().includes('Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful'));
});

test('scale down removes the highest ordinal first, one at a time', async () => {
  const { api, settle } = setup();
  await api.create('statefulsets', sts('db', 3, { podManagementPolicy: 'Parallel' }));
  await settle();
  assert.deepEqual(names(api), ['db-0', 'db-1', 'db-2'], 'Parallel creates all at once');
  for (const n of ['db-0', 'db-1', 'db-2']) await ready(api, n);
  const cur = api.peek<StatefulSet>('statefulsets', 'default', 'db')!;
  await api.update('statefulsets', { ...cur, spec: { ...cur.spec, replicas: 1, podManagementPolicy: 'OrderedReady' } });
  await settle();
  assert.deepEqual(names(api), ['db-0', 'db-1'], 'db-2 goes first and alone');
  await api.finishPodDeletion('default', 'db-2');
  await settle();
  assert.deepEqual(names(api), ['db-0']);
});

test('volumeClaimTemplates are ignored with a warning event', async () => {
  const { api, recorder, settle } = setup();
  await api.create('statefulsets', sts('v', 1, { volumeClaimTemplates: [{ metadata: { name: 'data' } }] }));
  await settle();
  assert.deepEqual(names(api), ['v-0']);
  assert.ok(recorder.lines().some((l) => l.startsWith('Warning VolumeClaimTemplatesIgnored')));
});
