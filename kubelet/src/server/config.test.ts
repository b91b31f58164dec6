import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildNodeStatus } from '../nodeinfo.js';
import { kubeletPortFromEnv } from './config.js';

describe('kubelet API port', () => {
  it('reads KUBELAB_KUBELET_PORT (default 10250) and rejects nonsense', () => {
    assert.equal(kubeletPortFromEnv({}), 10250);
    assert.equal(kubeletPortFromEnv({ KUBELAB_KUBELET_PORT: ' 10555 ' }), 10555);
    assert.throws(
      () => kubeletPortFromEnv({ KUBELAB_KUBELET_PORT: 'http' }),
      /KUBELAB_KUBELET_PORT: Invalid value: "http"/,
    );
    assert.throws(() => kubeletPortFromEnv({ KUBELAB_KUBELET_PORT: '70000' }), /between 0 and 65535/);
  });

  it('is reported in the Node status as daemonEndpoints.kubeletEndpoint.Port', () => {
    const facts = {
      cpus: 2,
      memoryBytes: 1 << 30,
      arch: 'amd64',
      machineID: 'm',
      systemUUID: 's',
      bootID: 'b',
      kernelVersion: 'k',
      osImage: 'o',
    };
    const st = buildNodeStatus({
      facts: facts as never,
      overrides: {},
      health: {},
      hostname: 'n',
      ip: '10.244.0.5',
      now: 0,
      kubeletPort: 10555,
    });
    assert.deepEqual(st.daemonEndpoints, { kubeletEndpoint: { Port: 10555 } });
  });
});
