import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, parseControllers } from './config.js';

test('defaults and environment', () => {
  const d = loadConfig({});
  assert.equal(d.apiserver, 'apiserver:7000');
  assert.equal(d.nodeGraceSeconds, 40);
  assert.equal(d.podEvictionSeconds, 60);
  assert.equal(d.controllers.size, 19);
  assert.deepEqual([d.cluster, d.hpaSyncSeconds, d.hpaDownscaleStabilizationSeconds], ['kubelab', 15, 300]);
  const c = loadConfig({
    KUBELAB_APISERVER: '127.0.0.1:7001',
    KUBELAB_NODE_GRACE_SECONDS: '8',
    KUBELAB_POD_EVICTION_SECONDS: '0.5',
  });
  assert.deepEqual([c.apiserver, c.nodeGraceSeconds, c.podEvictionSeconds], ['127.0.0.1:7001', 8, 0.5]);
  assert.throws(
    () => loadConfig({ KUBELAB_NODE_GRACE_SECONDS: 'soon' }),
    /KUBELAB_NODE_GRACE_SECONDS: Invalid value: "soon"/,
  );
});

test('KUBELAB_CONTROLLERS selects controllers', () => {
  assert.deepEqual(
    [
      ...parseControllers(
        '*,-nodelifecycle,-disruption,-horizontalpodautoscaling,-persistentvolume-binder,-volume-provisioner,-storage-protection',
      ),
    ].sort(),
    [
      'clusterrole-aggregation',
      'cronjob',
      'daemonset',
      'deployment',
      'endpoints',
      'endpointslice',
      'garbagecollector',
      'job',
      'loadbalancer',
      'replicaset',
      'root-ca-cert-publisher',
      'serviceaccount',
      'statefulset',
    ],
  );
  assert.deepEqual([...parseControllers('replicaset')], ['replicaset']);
  assert.throws(() => parseControllers('deployments'), /Unsupported value: "deployments"/);
});
