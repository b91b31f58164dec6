import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodDisruptionBudget } from '@kubelab/api';
import { decide, ignoresBudgets } from './eviction-budget.js';

const pod = (name: string, ready = true, phase: 'Running' | 'Pending' | 'Succeeded' = 'Running'): Pod => ({
  metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'i' }] },
  status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const pdb = (
  status: Partial<NonNullable<PodDisruptionBudget['status']>> | undefined,
  extra: Partial<PodDisruptionBudget['spec']> = {},
  generation = 1,
): PodDisruptionBudget => ({
  metadata: { name: 'web-pdb', namespace: 'default', generation },
  spec: { selector: { matchLabels: { app: 'web' } }, minAvailable: 2, ...extra },
  ...(status
    ? {
        status: {
          disruptionsAllowed: 0,
          currentHealthy: 0,
          desiredHealthy: 0,
          expectedPods: 0,
          observedGeneration: 1,
          ...status,
        },
      }
    : {}),
});

test('a budget the controller has not processed yet refuses', () => {
  const d = decide(pod('a'), pdb(undefined), 0);
  assert.deepEqual(d, {
    kind: 'refuse',
    message: 'The disruption budget web-pdb is still being processed by the server.',
    retryAfterSeconds: 10,
  });
  assert.equal(decide(pod('a'), pdb({ disruptionsAllowed: 1 }, {}, 2), 0).kind, 'refuse');
});

test('no disruption left: refused with the healthy counts, as upstream words it', () => {
  const d = decide(pod('a'), pdb({ disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 2 }), 0);
  assert.deepEqual(d, {
    kind: 'refuse',
    message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently',
  });
});

test('an allowed eviction spends one disruption and records the pod', () => {
  const d = decide(
    pod('a'),
    pdb({ disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 }),
    Date.parse('2026-01-02T03:04:05Z'),
  );
  assert.equal(d.kind, 'spend');
  if (d.kind !== 'spend') return;
  assert.equal(d.status?.disruptionsAllowed, 0);
  assert.deepEqual(d.status?.disruptedPods, { a: '2026-01-02T03:04:05Z' });
  assert.equal(d.status?.conditions?.find((c) => c.type === 'DisruptionAllowed')?.status, 'False');
});

test('unhealthy pods: AlwaysAllow lets them go, IfHealthyBudget only while the budget is met', () => {
  const met = { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 };
  assert.deepEqual(decide(pod('b', false), pdb(met), 0), { kind: 'allow' });
  assert.equal(decide(pod('b', false), pdb({ ...met, currentHealthy: 1 }), 0).kind, 'refuse');
  assert.deepEqual(
    decide(pod('b', false), pdb({ ...met, currentHealthy: 1 }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' }), 0),
    { kind: 'allow' },
  );
});

test('finished, pending and terminating pods ignore budgets; a negative budget is forbidden', () => {
  assert.equal(ignoresBudgets(pod('p', false, 'Pending')), true);
  assert.equal(ignoresBudgets(pod('s', false, 'Succeeded')), true);
  assert.equal(ignoresBudgets({ ...pod('t'), metadata: { name: 't', deletionTimestamp: 'x' } }), true);
  assert.equal(ignoresBudgets(pod('r')), false);
  assert.equal(decide(pod('a'), pdb({ disruptionsAllowed: -1 }), 0).kind, 'forbid');
});
