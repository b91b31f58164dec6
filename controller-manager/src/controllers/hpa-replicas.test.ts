import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339, type Pod } from '@kubelab/api';
import { resourceReplicas, type PodMetric } from './hpa-replicas.js';

const NOW = Date.UTC(2024, 0, 1, 1, 0, 0);
const LONG_AGO = rfc3339(NOW - 60 * 60_000);

function pod(
  name: string,
  opts: {
    cpu?: string;
    phase?: 'Running' | 'Pending' | 'Failed';
    ready?: boolean;
    startedAgoMs?: number;
    readySinceMs?: number;
  } = {},
): Pod {
  const started = rfc3339(NOW - (opts.startedAgoMs ?? 60 * 60_000));
  return {
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: opts.cpu ?? '200m' } } }] },
    status: {
      phase: opts.phase ?? 'Running',
      startTime: started,
      conditions: [
        {
          type: 'Ready',
          status: opts.ready === false ? 'False' : 'True',
          lastTransitionTime: opts.readySinceMs ? rfc3339(NOW - opts.readySinceMs) : LONG_AGO,
        },
      ],
    },
  };
}

const metrics = (values: Record<string, number>): Map<string, PodMetric> =>
  new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestamp: NOW, windowMs: 10_000 }]));

const calc = (current: number, pods: Pod[], m: Record<string, number>, target = 50) =>
  resourceReplicas(
    { currentReplicas: current, resource: 'cpu', pods, metrics: metrics(m), now: NOW },
    { utilization: target },
  );

test('ratio over the ready pods: 2 pods at 100 % of a 50 % target ask for 4', () => {
  const r = calc(2, [pod('a'), pod('b')], { a: 200, b: 200 });
  assert.deepEqual(r, { replicas: 4, utilization: 100, rawAverage: 200 });
});

test('within the 10 % tolerance the count stays', () => {
  assert.equal(calc(2, [pod('a'), pod('b')], { a: 108, b: 108 }).replicas, 2); // 54 % of 50 %: ratio 1.08
  assert.equal(calc(2, [pod('a'), pod('b')], { a: 120, b: 120 }).replicas, 3); // 60 %: ratio 1.2 → ceil(2.4)
});

test('scale down: missing pods count as using 100 % of their request', () => {
  // a and b idle (10 %), c has no sample: without it 1 replica, with it at 100 % it stays higher.
  const r = calc(3, [pod('a'), pod('b'), pod('c')], { a: 20, b: 20 });
  assert.equal(r.utilization, 10);
  assert.equal(r.replicas, 3, 'new ratio (20+20+200)/600 = 40 % → 0.8, ceil(0.8*3)=3');
});

test('scale up: unready pods count as 0 %, and pending or failed pods are ignored', () => {
  const pods = [
    pod('a'),
    pod('b'),
    pod('new', { ready: false, startedAgoMs: 20_000 }),
    pod('p', { phase: 'Pending' }),
    pod('f', { phase: 'Failed' }),
  ];
  const r = calc(3, pods, { a: 300, b: 300, new: 300 });
  // ready a, b at 150 % of target → ratio 3; with `new` at 0: (300+300+0)/600 = 100 % → ratio 2 → ceil(2*3) = 6.
  assert.equal(r.replicas, 6);
});

test('upstream errors: no pods, no metrics for them, a container without a request', () => {
  assert.throws(() => calc(1, [], { a: 1 }), /no pods returned by selector while calculating replica count/);
  assert.throws(() => calc(1, [pod('a', { phase: 'Pending' })], { a: 1 }), /did not receive metrics for targeted pods/);
  const noRequest: Pod = { ...pod('a'), spec: { containers: [{ name: 'c', image: 'x' }] } };
  assert.throws(() => calc(1, [noRequest], { a: 1 }), /missing request for cpu in container c of Pod a/);
});

test('AverageValue targets divide the usage by the target per pod', () => {
  const r = resourceReplicas(
    {
      currentReplicas: 2,
      resource: 'memory',
      pods: [pod('a'), pod('b')],
      metrics: metrics({ a: 300e6, b: 300e6 }),
      now: NOW,
    },
    { averageValue: 100e6 },
  );
  assert.equal(r.replicas, 6);
});
