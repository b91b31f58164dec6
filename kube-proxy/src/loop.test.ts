import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinInterval } from './loop.js';

test('a node sync runs at once when the last began long enough ago, else when it will have', () => {
  let now = 10_000;
  const asked: [string, number][] = [];
  const runs = new MinInterval({ addAfter: (key, ms) => void asked.push([key, ms]) }, 'nodes', 1_000, () => now);
  runs.request();
  assert.deepEqual(asked.at(-1), ['nodes', Number.NEGATIVE_INFINITY], 'the first: at once');
  runs.began();
  now += 300;
  runs.request();
  assert.deepEqual(asked.at(-1), ['nodes', 700], 'during or just after a run: when 1 s has passed since it began');
  now += 700;
  runs.began();
  now += 2_500;
  runs.request();
  assert.ok(asked.at(-1)![1] <= 0, 'long after: at once');
});
