import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../types.js';
import { HPA_ANNOTATIONS, hpaV1ToV2, hpaV2ToV1 } from './hpa.js';

const v2: KubeObject = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 5,
    metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ],
  },
  status: {
    currentReplicas: 2,
    desiredReplicas: 3,
    currentMetrics: [
      { type: 'Resource', resource: { name: 'memory', current: { averageUtilization: 40, averageValue: '10Mi' } } },
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '12m' } } },
    ],
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
  },
};

describe('autoscaling v1 ⇄ v2', () => {
  it('v1 shows the CPU target and keeps the rest in annotations, as upstream', () => {
    const v1 = hpaV2ToV1(v2);
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.equal((v1.spec as Record<string, unknown>)['targetCPUUtilizationPercentage'], 50);
    assert.equal((v1.status as Record<string, unknown>)['currentCPUUtilizationPercentage'], 12);
    const a = v1.metadata.annotations!;
    assert.deepEqual(JSON.parse(a[HPA_ANNOTATIONS.metrics]!), [
      { type: 'Resource', resource: { name: 'memory', targetAverageUtilization: 70 } },
    ]);
    assert.ok(a[HPA_ANNOTATIONS.conditions]);
    assert.ok(a[HPA_ANNOTATIONS.currentMetrics]);
  });

  it('a v1 round trip gives back the v2 object (the CPU metric last, as upstream orders it)', () => {
    const back = hpaV1ToV2(hpaV2ToV1(v2));
    assert.deepEqual(back.spec, v2.spec);
    assert.deepEqual(
      (back.status as Record<string, unknown>)['conditions'],
      (v2.status as Record<string, unknown>)['conditions'],
    );
    assert.equal(back.metadata.annotations, undefined);
  });

  it("`kubectl autoscale`'s v1 object becomes a v2 CPU metric", () => {
    const v1: KubeObject = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 4, targetCPUUtilizationPercentage: 50 },
    };
    assert.deepEqual((hpaV1ToV2(v1).spec as Record<string, unknown>)['metrics'], [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ]);
  });
});
