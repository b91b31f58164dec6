import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, rfc3339, type Deployment, type HorizontalPodAutoscaler, type Pod } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { HorizontalPodAutoscalerController } from './hpa.js';
import type { MetricsClient } from './hpa-metrics.js';
import type { PodMetric } from './hpa-replicas.js';
import { FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { deployment, silentLog } from '../testing/fixtures.js';

class FakeMetrics implements MetricsClient {
  usage = new Map<string, number>();
  fail: string | undefined;
  constructor(private readonly api: InProcessApi) {}
  async podMetrics(): Promise<Map<string, PodMetric>> {
    if (this.fail) throw new Error(this.fail);
    return new Map(
      [...this.usage].map(([k, v]) => [k, { value: v, timestamp: this.api.clock.now(), windowMs: 10_000 }]),
    );
  }
}

function setup() {
  const api = new InProcessApi();
  const hpas = new FakeCache<HorizontalPodAutoscaler>(api, 'horizontalpodautoscalers');
  const pods = new FakeCache<Pod>(api, 'pods');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const metrics = new FakeMetrics(api);
  const ctrl = new HorizontalPodAutoscalerController({
    api,
    hpas,
    pods,
    metrics,
    queue,
    recorder,
    clock: api.clock,
    log: silentLog,
    syncPeriodMs: 15_000,
    downscaleWindowMs: 60_000,
  });
  return { api, recorder, metrics, sync: () => ctrl.reconcile('default/web'), queue };
}

async function runningPods(api: InProcessApi, n: number): Promise<void> {
  for (const p of api.objects<Pod>('pods'))
    await api.delete('pods', 'default', p.metadata.name!, { gracePeriodSeconds: 0 });
  const long = rfc3339(api.clock.now() - 3_600_000);
  for (let i = 0; i < n; i++) {
    const p = await api.create<Pod>('pods', {
      metadata: { name: `web-${i}`, namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { cpu: '100m' } } }] },
    });
    await api.updateStatus('pods', {
      ...p,
      status: {
        phase: 'Running',
        startTime: long,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: long }],
      },
    });
  }
}

const hpa = (): HorizontalPodAutoscaler =>
  applyDefaults('horizontalpodautoscalers', {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
    },
  }) as HorizontalPodAutoscaler;

const cond = (h: HorizontalPodAutoscaler, type: string) => h.status?.conditions?.find((c) => c.type === type);

test('load above target scales the Deployment up, reports cpu utilization and the conditions, then back down after the window', async () => {
  const { api, recorder, metrics, sync } = setup();
  await api.create('deployments', deployment('web', 2));
  await runningPods(api, 2);
  await api.create('horizontalpodautoscalers', hpa());
  metrics.usage = new Map([
    ['web-0', 100],
    ['web-1', 100],
  ]); // 100 % of 100m each, target 50 %
  await sync();
  assert.equal(api.peek<Deployment>('deployments', 'default', 'web')!.spec.replicas, 4);
  let h = api.peek<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web')!;
  assert.deepEqual(h.status?.currentMetrics, [
    { type: 'Resource', resource: { name: 'cpu', current: { averageValue: '100m', averageUtilization: 100 } } },
  ]);
  assert.deepEqual([h.status?.currentReplicas, h.status?.desiredReplicas], [2, 4]);
  assert.equal(cond(h, 'AbleToScale')?.reason, 'SucceededRescale');
  assert.equal(cond(h, 'ScalingActive')?.reason, 'ValidMetricFound');
  assert.equal(cond(h, 'ScalingLimited')?.status, 'False');
  assert.ok(
    recorder
      .lines()
      .includes(
        'Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target',
      ),
  );

  await runningPods(api, 4);
  metrics.usage = new Map([
    ['web-0', 5],
    ['web-1', 5],
    ['web-2', 5],
    ['web-3', 5],
  ]);
  api.clock.advance(15_000);
  await sync();
  h = api.peek<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web')!;
  assert.equal(
    api.peek<Deployment>('deployments', 'default', 'web')!.spec.replicas,
    4,
    'held by the stabilization window',
  );
  assert.equal(cond(h, 'AbleToScale')?.reason, 'ScaleDownStabilized');
  api.clock.advance(61_000);
  await sync();
  assert.equal(api.peek<Deployment>('deployments', 'default', 'web')!.spec.replicas, 1);
  assert.ok(recorder.lines().includes('Normal SuccessfulRescale New size: 1; reason: All metrics below target'));
});

test('no metrics: ScalingActive False with upstream reason, the replica count is left alone', async () => {
  const { api, recorder, metrics, sync, queue } = setup();
  await api.create('deployments', deployment('web', 2));
  await runningPods(api, 2);
  await api.create('horizontalpodautoscalers', hpa());
  metrics.fail = 'no metrics returned from resource metrics API';
  await sync();
  const h = api.peek<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web')!;
  assert.equal(cond(h, 'ScalingActive')?.status, 'False');
  assert.equal(cond(h, 'ScalingActive')?.reason, 'FailedGetResourceMetric');
  assert.match(
    cond(h, 'ScalingActive')?.message ?? '',
    /^the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned/,
  );
  assert.equal(api.peek<Deployment>('deployments', 'default', 'web')!.spec.replicas, 2);
  assert.ok(
    recorder
      .lines()
      .some((l) => l.startsWith('Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1)')),
  );
  assert.ok(
    queue.delayed.some((d) => d.key === 'default/web' && d.ms === 15_000),
    'synced again after the period',
  );
});

test('a missing target: AbleToScale False FailedGetScale; below minReplicas: scaled to the minimum without metrics', async () => {
  const { api, sync } = setup();
  await api.create('horizontalpodautoscalers', hpa());
  await sync();
  let h = api.peek<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web')!;
  assert.equal(cond(h, 'AbleToScale')?.reason, 'FailedGetScale');
  await api.create('deployments', deployment('web', 1));
  const cur = api.peek<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web')!;
  await api.update('horizontalpodautoscalers', { ...cur, spec: { ...cur.spec, minReplicas: 3 } });
  await sync();
  h = api.peek<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web')!;
  assert.equal(api.peek<Deployment>('deployments', 'default', 'web')!.spec.replicas, 3);
  assert.equal(h.status?.desiredReplicas, 3);
});
