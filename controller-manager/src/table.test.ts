import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_CONTROLLERS } from './config.js';
import { CONTROLLER_TABLE } from './manager.js';

test('the controller table has exactly one row per controller name KUBELAB_CONTROLLERS accepts', () => {
  const names = CONTROLLER_TABLE.map((e) => e.name);
  assert.deepEqual([...names].sort(), [...ALL_CONTROLLERS].sort());
  assert.equal(new Set(names).size, names.length);
  assert.ok(CONTROLLER_TABLE.every((e) => Number.isInteger(e.workers) && e.workers >= 1));
});
