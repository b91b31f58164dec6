import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has lab defaults', () => {
    const c = loadConfig({});
    assert.equal(c.apiserver, 'apiserver:7000');
    assert.equal(c.cluster, 'kubelab');
    assert.equal(c.network, 'kubelab');
    assert.equal(c.nodeName, '');
    assert.equal(c.pauseImage, 'kubelab/kubelab:dev');
    assert.deepEqual(c.pauseCommand, ['sleep', '2147483647']);
    assert.equal(c.leaseSeconds, 5);
    assert.equal(c.crashLoopBaseSeconds, 2);
    assert.equal(c.crashLoopMaxSeconds, 60);
    assert.equal(c.dockerConcurrency, 8);
    assert.equal(c.nodeCpu, undefined);
  });

  it('reads overrides and rejects nonsense with the variable named', () => {
    const c = loadConfig({
      KUBELAB_NODE_NAME: 'w1',
      KUBELAB_PAUSE_COMMAND: '/bin/sleep  inf',
      KUBELAB_NODE_MEMORY: '4Gi',
      KUBELAB_NODE_PODS: '20',
      KUBELAB_LEASE_SECONDS: '1.5',
    });
    assert.equal(c.nodeName, 'w1');
    assert.deepEqual(c.pauseCommand, ['/bin/sleep', 'inf']);
    assert.equal(c.nodeMemory, '4Gi');
    assert.equal(c.nodePods, '20');
    assert.equal(c.leaseSeconds, 1.5);
    assert.throws(() => loadConfig({ KUBELAB_NODE_MEMORY: 'lots' }), /KUBELAB_NODE_MEMORY: Invalid value: "lots"/);
    assert.throws(() => loadConfig({ KUBELAB_POD_WORKERS: '0' }), /KUBELAB_POD_WORKERS/);
    assert.throws(() => loadConfig({ KUBELAB_CRASHLOOP_BASE_SECONDS: '90' }), /KUBELAB_CRASHLOOP_MAX_SECONDS/);
  });

  it('reads the labels and taints the Node registers with', () => {
    const c = loadConfig({ KUBELAB_NODE_LABELS: 'disk=ssd', KUBELAB_NODE_TAINTS: 'gpu=true:NoSchedule' });
    assert.deepEqual(c.nodeLabels, { disk: 'ssd' });
    assert.deepEqual(c.nodeTaints, [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
    assert.deepEqual(loadConfig({}).nodeTaints, []);
    assert.throws(
      () => loadConfig({ KUBELAB_NODE_TAINTS: 'gpu:Never' }),
      /^Error: KUBELAB_NODE_TAINTS: invalid taint effect: Never, unsupported taint effect$/,
    );
    assert.throws(() => loadConfig({ KUBELAB_NODE_LABELS: 'disk' }), /KUBELAB_NODE_LABELS: invalid label "disk"/);
  });
});
