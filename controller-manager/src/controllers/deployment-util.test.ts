import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '@kubelab/api';
import {
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  resolveFenceposts,
  scaledValue,
  setNewReplicaSetAnnotations,
  REVISION,
  REVISION_HISTORY,
} from './deployment-util.js';
import { calculateStatus, rolloutStatus, setCondition } from './deployment-status.js';
import { deployment, replicaSet } from '../testing/fixtures.js';

const withStrategy = (replicas: number, maxSurge?: number | string, maxUnavailable?: number | string): Deployment =>
  deployment('web', replicas, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } });

test('percentages: surge rounds up, unavailable rounds down, both zero makes unavailable 1', () => {
  assert.equal(scaledValue('25%', 3, true), 1);
  assert.equal(scaledValue('25%', 3, false), 0);
  assert.equal(scaledValue('50%', 5, true), 3);
  assert.equal(scaledValue('50%', 5, false), 2);
  assert.equal(scaledValue(2, 10, false), 2);
  assert.deepEqual(resolveFenceposts('25%', '25%', 3), [1, 0]);
  assert.deepEqual(resolveFenceposts(0, 0, 3), [0, 1]);
  assert.deepEqual(resolveFenceposts('10%', '10%', 5), [1, 0]);
  assert.deepEqual(resolveFenceposts(0, '10%', 5), [0, 1]);
  assert.throws(() => scaledValue('abc', 3, true), /invalid value for IntOrString/);
});

test('maxSurge/maxUnavailable: defaults 25%, capped unavailable, Recreate has none', () => {
  const d = deployment('web', 4);
  assert.equal(maxSurge(d), 1);
  assert.equal(maxUnavailable(d), 1);
  assert.equal(maxUnavailable(withStrategy(2, 0, 5)), 2);
  assert.equal(maxUnavailable(withStrategy(0, 1, 1)), 0);
  const rec = deployment('web', 4, { strategy: { type: 'Recreate' } });
  assert.equal(maxSurge(rec), 0);
  assert.equal(maxUnavailable(rec), 0);
});

test('newRSNewReplicas respects the surge budget', () => {
  const d = withStrategy(10, 3, 2);
  const old = replicaSet('old', 10);
  const fresh = replicaSet('new', 0);
  assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
  const grown = replicaSet('new', 3);
  assert.equal(newRSNewReplicas(d, [old, grown], grown), 3, 'at 13 pods nothing more');
  const old8 = replicaSet('old', 8);
  assert.equal(newRSNewReplicas(d, [old8, grown], grown), 5);
  assert.equal(newRSNewReplicas(deployment('web', 7, { strategy: { type: 'Recreate' } }), [old, fresh], fresh), 7);
});

test('revision annotations: new revision, revision-history when a former RS comes back', () => {
  const d = deployment('web', 2);
  d.metadata.annotations = {
    'kubernetes.io/change-cause': 'kubectl set image',
    'kubectl.kubernetes.io/last-applied-configuration': '{}',
  };
  const rs: ReplicaSet = replicaSet('web-a', 0);
  assert.ok(setNewReplicaSetAnnotations(d, rs, 1, false));
  assert.deepEqual(rs.metadata.annotations, {
    'kubernetes.io/change-cause': 'kubectl set image',
    [REVISION]: '1',
    'deployment.kubernetes.io/desired-replicas': '2',
    'deployment.kubernetes.io/max-replicas': '3',
  });
  assert.equal(setNewReplicaSetAnnotations(d, rs, 1, true), false, 'nothing to change');
  assert.ok(setNewReplicaSetAnnotations(d, rs, 3, true));
  assert.equal(rs.metadata.annotations![REVISION], '3');
  assert.equal((rs.metadata.annotations as Record<string, string>)[REVISION_HISTORY], '1');
  setNewReplicaSetAnnotations(d, rs, 5, true);
  assert.equal((rs.metadata.annotations as Record<string, string>)[REVISION_HISTORY], '1,3');
  assert.equal(setNewReplicaSetAnnotations(d, rs, 2, true), false, 'never lowered');
});

test('proportional share during a resize', () => {
  const d = withStrategy(20, 3, 2);
  d.status = { replicas: 13 };
  const a = replicaSet('a', 8);
  a.metadata.annotations = { 'deployment.kubernetes.io/max-replicas': '13' };
  // 10 → 20 replicas: max goes 13 → 23; a has 8 of 13 → round(8*23/13) - 8 = 6
  assert.equal(proportion(a, d, 10, 0), 6);
  assert.equal(proportion(a, d, 10, 8), 2, 'capped by what is left');
  assert.equal(proportion(replicaSet('z', 0), d, 10, 0), 0);
});

test('conditions keep lastTransitionTime when only the reason changes', () => {
  const s = {
    conditions: [
      { type: 'Progressing', status: 'True' as const, reason: 'A', lastTransitionTime: 't0', lastUpdateTime: 't0' },
    ],
  };
  setCondition(s, { type: 'Progressing', status: 'True', reason: 'B', lastTransitionTime: 't1', lastUpdateTime: 't1' });
  assert.equal(s.conditions[0]!.lastTransitionTime, 't0');
  assert.equal(s.conditions[0]!.lastUpdateTime, 't1');
  setCondition(s, {
    type: 'Progressing',
    status: 'False',
    reason: 'C',
    lastTransitionTime: 't2',
    lastUpdateTime: 't2',
  });
  assert.equal(s.conditions[0]!.lastTransitionTime, 't2');
});

test('status counts and Available condition', () => {
  const d = deployment('web', 3);
  d.metadata.generation = 4;
  const cur = replicaSet('web-new', 2);
  cur.status = { replicas: 2, readyReplicas: 1, availableReplicas: 1 };
  const old = replicaSet('web-old', 1);
  old.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
  const s = calculateStatus([old, cur], cur, d, 'T');
  assert.deepEqual(
    { ...s, conditions: undefined },
    {
      observedGeneration: 4,
      replicas: 3,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 1,
      conditions: undefined,
    },
  );
  // 25% of 3 → maxUnavailable 0, so 2 available is not enough
  assert.deepEqual(s.conditions, [
    {
      type: 'Available',
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
      message: 'Deployment does not have minimum availability.',
      lastTransitionTime: 'T',
      lastUpdateTime: 'T',
    },
  ]);
});

test('progress deadline: a rollout without progress times out', () => {
  const d = deployment('web', 2, { progressDeadlineSeconds: 60 });
  d.metadata.generation = 1;
  const rs = replicaSet('web-x', 2);
  rs.status = { replicas: 2 };
  d.status = {
    observedGeneration: 1,
    replicas: 2,
    updatedReplicas: 2,
    conditions: [
      {
        type: 'Progressing',
        status: 'True',
        reason: 'ReplicaSetUpdated',
        lastUpdateTime: '2024-01-01T00:00:00Z',
        lastTransitionTime: '2024-01-01T00:00:00Z',
      },
    ],
  };
  const early = rolloutStatus([rs], rs, d, Date.parse('2024-01-01T00:00:30Z'), 'now');
  assert.equal(early.conditions!.find((c) => c.type === 'Progressing')!.reason, 'ReplicaSetUpdated');
  const late = rolloutStatus([rs], rs, d, Date.parse('2024-01-01T00:01:01Z'), 'now');
  const c = late.conditions!.find((x) => x.type === 'Progressing')!;
  assert.equal(c.status, 'False');
  assert.equal(c.reason, 'ProgressDeadlineExceeded');
  assert.equal(c.message, 'ReplicaSet "web-x" has timed out progressing.');
});
