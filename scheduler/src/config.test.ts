import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.js';

test('scheduler config from the environment', () => {
  assert.deepEqual(loadConfig({}), {
    apiserver: 'apiserver:7000',
    schedulerName: 'default-scheduler',
    workers: 16,
    bindsInFlight: 256,
    bindsPerCall: 32,
  });
  assert.deepEqual(
    loadConfig({
      KUBELAB_APISERVER: '127.0.0.1:9',
      KUBELAB_SCHEDULER_NAME: 'mine',
      KUBELAB_SCHEDULER_WORKERS: '2',
      KUBELAB_SCHEDULER_BINDS_IN_FLIGHT: '8',
      KUBELAB_SCHEDULER_BINDS_PER_CALL: '4',
    }),
    { apiserver: '127.0.0.1:9', schedulerName: 'mine', workers: 2, bindsInFlight: 8, bindsPerCall: 4 },
  );
  assert.throws(
    () => loadConfig({ KUBELAB_SCHEDULER_BINDS_IN_FLIGHT: 'many' }),
    /KUBELAB_SCHEDULER_BINDS_IN_FLIGHT: Invalid value: "many": must be a positive integer/,
  );
  assert.throws(() => loadConfig({ KUBELAB_SCHEDULER_WORKERS: '0' }), /must be a positive integer/);
});
