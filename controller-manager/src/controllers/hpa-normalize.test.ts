import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '@kubelab/api';
import { ScalingHistory } from './hpa-normalize.js';

const T0 = 1_000_000;
const args = (current: number, desired: number, now: number, extra = {}) => ({
  key: 'default/web',
  current,
  desired,
  min: 1,
  max: 10,
  now,
  ...extra,
});

test('without behavior: scale-down waits for the stabilization window, scale-up is limited to max(2x, 4)', () => {
  const h = new ScalingHistory(60_000);
  assert.deepEqual(h.normalize(args(2, 9, T0)), {
    replicas: 4,
    ableToScale: { reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
    limited: {
      status: true,
      reason: 'ScaleUpLimit',
      message: 'the desired replica count is increasing faster than the maximum scale rate',
    },
  });
  // The highest recommendation of the last minute (9, as proposed before the limits), limited again.
  const down = h.normalize(args(4, 1, T0 + 15_000));
  assert.equal(down.replicas, 8);
  assert.equal(down.ableToScale.reason, 'ScaleDownStabilized');
  assert.equal(h.normalize(args(4, 1, T0 + 61_000)).replicas, 1, 'after the window the low recommendation wins');
  assert.deepEqual(h.normalize(args(2, 40, T0 + 200_000)).limited.reason, 'ScaleUpLimit');
  const tooMany = h.normalize({ ...args(8, 40, T0 + 300_000) });
  assert.deepEqual([tooMany.replicas, tooMany.limited.reason], [10, 'TooManyReplicas']);
});

test('with behavior: policies limit each period, and selectPolicy picks the larger change', () => {
  const h = new ScalingHistory(300_000);
  const behavior = {
    scaleUp: { ...DEFAULT_SCALE_UP },
    scaleDown: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max' as const,
      policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }],
    },
  };
  // Up: max(current+4, current*2) = max(5, 2) = 5 within 15 s.
  const up = h.normalize(args(1, 10, T0, { behavior }));
  assert.deepEqual([up.replicas, up.limited.reason], [5, 'ScaleUpLimit']);
  h.scaled('default/web', 1, 5, T0, 60_000);
  // 10 s later the period still holds the +4: start at 1 → limit stays 5.
  assert.equal(h.normalize(args(5, 10, T0 + 10_000, { behavior })).replicas, 5);
  assert.equal(h.normalize(args(5, 10, T0 + 16_000, { behavior })).replicas, 10);
  // Down: one pod per minute.
  const down = h.normalize(args(10, 2, T0 + 100_000, { behavior }));
  assert.deepEqual([down.replicas, down.limited.reason], [9, 'ScaleDownLimit']);
});

test('with behavior: the scale-down stabilization window keeps the highest recent recommendation', () => {
  const h = new ScalingHistory(300_000);
  const behavior = { scaleUp: DEFAULT_SCALE_UP, scaleDown: { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 30 } };
  h.normalize(args(4, 4, T0, { behavior }));
  const early = h.normalize(args(4, 1, T0 + 10_000, { behavior }));
  assert.deepEqual([early.replicas, early.ableToScale.reason], [4, 'ScaleDownStabilized']);
  assert.equal(h.normalize(args(4, 1, T0 + 41_000, { behavior })).replicas, 1);
});
