import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  rfc3339,
  type Deployment,
  type Pod,
  type PodDisruptionBudget,
  type ReplicaSet,
  type StatefulSet,
} from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { DisruptionController } from './disruption.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { deployment, readyStatus, replicaSet, silentLog } from '../testing/fixtures.js';

function setup() {
  const api = new InProcessApi();
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const ctrl = new DisruptionController({
    api,
    budgets: new FakeCache<PodDisruptionBudget>(api, 'poddisruptionbudgets'),
    pods: new FakeCache<Pod>(api, 'pods'),
    replicasets: new FakeCache<ReplicaSet>(api, 'replicasets'),
    deployments: new FakeCache<Deployment>(api, 'deployments'),
    statefulsets: new FakeCache<StatefulSet>(api, 'statefulsets'),
    queue,
    recorder,
    clock: api.clock,
    log: silentLog,
  });
  return { api, recorder, queue, settle: () => drain([{ ctrl, queue }]) };
}

async function pods(api: InProcessApi, n: number, owner?: ReplicaSet, ready = n): Promise<void> {
  for (let i = 0; i < n; i++) {
    const meta = {
      name: `web-${i}`,
      namespace: 'default',
      labels: { app: 'web' },
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: owner.metadata.name!,
                uid: owner.metadata.uid!,
                controller: true,
              },
            ],
          }
        : {}),
    };
    const p = await api.create<Pod>('pods', { metadata: meta, spec: { containers: [{ name: 'c', image: 'x' }] } });
    await api.updateStatus('pods', { ...p, status: readyStatus(`10.0.0.${i}`, 0, i < ready) });
  }
}

const budget = (spec: Partial<PodDisruptionBudget['spec']>): PodDisruptionBudget => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
});
const status = (api: InProcessApi) => api.peek<PodDisruptionBudget>('poddisruptionbudgets', 'default', 'web')!.status!;

test('minAvailable as a count: expected = selected pods, allowed = healthy - desired', async () => {
  const { api, settle } = setup();
  await pods(api, 3, undefined, 3);
  await api.create('poddisruptionbudgets', budget({ minAvailable: 2 }));
  await settle();
  const s = status(api);
  assert.deepEqual(
    [s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed, s.observedGeneration],
    [3, 2, 3, 1, 1],
  );
  assert.deepEqual(
    s.conditions?.map((c) => [c.type, c.status, c.reason]),
    [['DisruptionAllowed', 'True', 'SufficientPods']],
  );
});

test('maxUnavailable: expected comes from the Deployment behind the ReplicaSet; unready pods are not healthy', async () => {
  const { api, settle } = setup();
  const dep = await api.create('deployments', deployment('web', 4));
  const rs = await api.create('replicasets', {
    ...replicaSet('web-abc', 4, { app: 'web' }),
    metadata: {
      ...replicaSet('web-abc', 4, { app: 'web' }).metadata,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: dep.metadata.uid!, controller: true },
      ],
    },
  });
  await pods(api, 4, rs, 3);
  await api.create('poddisruptionbudgets', budget({ maxUnavailable: '25%' }));
  await settle();
  const s = status(api);
  assert.deepEqual([s.expectedPods, s.desiredHealthy, s.currentHealthy, s.disruptionsAllowed], [4, 3, 3, 0]);
  assert.equal(s.conditions?.[0]?.reason, 'InsufficientPods');
});

test('an eviction recorded in disruptedPods is not healthy until it expires or the pod goes', async () => {
  const { api, settle, queue } = setup();
  await pods(api, 3);
  await api.create('poddisruptionbudgets', budget({ minAvailable: 1 }));
  await settle();
  const pdb = api.peek<PodDisruptionBudget>('poddisruptionbudgets', 'default', 'web')!;
  await api.updateStatus('poddisruptionbudgets', {
    ...pdb,
    status: { ...pdb.status!, disruptionsAllowed: 1, disruptedPods: { 'web-0': rfc3339(api.clock.now()) } },
  });
  await settle();
  assert.deepEqual([status(api).currentHealthy, status(api).disruptionsAllowed], [2, 1]);
  assert.ok(
    queue.delayed.some((d) => d.key === 'default/web' && d.ms > 100_000),
    'looked at again when the entry expires',
  );
  api.clock.advance(121_000);
  queue.add('default/web');
  await settle();
  assert.deepEqual([status(api).currentHealthy, status(api).disruptedPods], [3, undefined]);
});
