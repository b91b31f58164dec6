import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.js';

describe('apiserver-lb settings', () => {
  it('defaults to every apiserver behind the lab alias, on both API ports', () => {
    assert.deepEqual(loadConfig({}), {
      backends: ['apiserver'],
      ports: [6443, 7000],
      healthPort: 6443,
      healthPath: '/readyz',
      checkIntervalMs: 1_000,
      checkTimeoutMs: 2_000,
      connectTimeoutMs: 250,
    });
  });
  it('reads lists and refuses bad values with the variable named', () => {
    const c = loadConfig({
      KUBELAB_LB_BACKENDS: 'a, b',
      KUBELAB_LB_PORTS: '8443',
      KUBELAB_LB_CONNECT_TIMEOUT_MS: '100',
    });
    assert.deepEqual([c.backends, c.ports, c.connectTimeoutMs], [['a', 'b'], [8443], 100]);
    assert.throws(
      () => loadConfig({ KUBELAB_LB_PORTS: '6443,http' }),
      /KUBELAB_LB_PORTS: Invalid value: "http": must be a port number/,
    );
    assert.throws(
      () => loadConfig({ KUBELAB_LB_CHECK_INTERVAL_MS: '0' }),
      /KUBELAB_LB_CHECK_INTERVAL_MS: Invalid value: "0"/,
    );
  });
});
