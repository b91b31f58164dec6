import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { collectGarbage, shouldCollect, startIdleGc } from './idle-gc.js';

const MiB = 2 ** 20;

test('collects only when quiet and the young generation grew past both floors', () => {
  assert.equal(shouldCollect(0.01, 32 * MiB, 0, 0.05, 4 * MiB), true, 'quiet, grown');
  assert.equal(shouldCollect(0.3, 32 * MiB, 0, 0.05, 4 * MiB), false, 'busy');
  assert.equal(shouldCollect(0.01, 2 * MiB, 0, 0.05, 4 * MiB), false, 'small');
  assert.equal(
    shouldCollect(0.01, 16 * MiB, 16 * MiB, 0.05, 4 * MiB),
    false,
    'no larger than after the last collection',
  );
});

test('from its timer: one collection per growth, none again while the young generation stays as it was', async () => {
  let young = 32 * MiB;
  let runs = 0;
  let ticks = 0;
  /** Resolves once `n` more intervals have looked at the young generation. */
  const intervals = async (n: number) => {
    const until = ticks + n;
    while (ticks < until) await new Promise((r) => setImmediate(r));
  };
  const stop = startIdleGc({
    intervalMs: 2,
    utilization: () => 0.01,
    youngBytes: () => (ticks++, young),
    collect: async () => {
      runs++;
      if (runs === 1) young = 1 * MiB;
    },
  });
  await intervals(10);
  assert.equal(runs, 1, 'shrunk to 1 MiB: below the minimum, not collected again');
  young = 24 * MiB;
  await intervals(10);
  assert.equal(runs, 2, 'grown again: collected again; it stayed at 24 MiB, so not a third time');
  stop();
});

test('the collection shrinks a young generation that a burst of allocation grew', async () => {
  const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  let keep: unknown[] = [];
  for (let round = 0; round < 50; round++) {
    // Objects that survive a scavenge or two make V8 grow the semi-spaces.
    keep = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}`, round }));
  }
  const grown = newSpace();
  keep = [];
  await collectGarbage();
  assert.equal(keep.length, 0);
  assert.ok(newSpace() < grown, `new space ${newSpace()} after the collection, ${grown} before`);
});
