import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../types.js';
import { applyDefaults, defaultPullPolicy, podQOSClass } from './index.js';

describe('defaults', () => {
  it('defaults pods like upstream', () => {
    const pod = applyDefaults('pods', {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'a', image: 'nginx', ports: [{ containerPort: 80 }] }] },
    });
    const spec = pod.spec as Record<string, unknown>;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.equal(spec.enableServiceLinks, true);
    const c = (spec.containers as Record<string, unknown>[])[0]!;
    assert.equal(c.imagePullPolicy, 'Always');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('defaults container requests to limits', () => {
    const pod = applyDefaults('pods', {
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '1' }, requests: { memory: '1Gi' } } }],
      },
    });
    const c = (pod.spec as { containers: { resources: unknown }[] }).containers[0]!;
    assert.deepEqual(c.resources, { limits: { cpu: '1' }, requests: { memory: '1Gi', cpu: '1' } });
  });

  it('keeps given values', () => {
    const pod = applyDefaults('pods', {
      metadata: { name: 'p' },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'a', image: 'x', imagePullPolicy: 'Never' }],
      },
    });
    const spec = pod.spec as {
      restartPolicy: string;
      terminationGracePeriodSeconds: number;
      containers: { imagePullPolicy: string }[];
    };
    assert.equal(spec.restartPolicy, 'Never');
    assert.equal(spec.terminationGracePeriodSeconds, 0);
    assert.equal(spec.containers[0]!.imagePullPolicy, 'Never');
  });

  it('picks the pull policy from the tag', () => {
    assert.equal(defaultPullPolicy('nginx'), 'Always');
    assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
    assert.equal(defaultPullPolicy('nginx:1.25'), 'IfNotPresent');
    assert.equal(defaultPullPolicy('localhost:5000/app'), 'Always');
    assert.equal(defaultPullPolicy('localhost:5000/app:v1'), 'IfNotPresent');
    assert.equal(defaultPullPolicy('app@sha256:abc'), 'IfNotPresent');
  });

  it('defaults deployments and replicasets', () => {
    const d = applyDefaults('deployments', {
      metadata: { name: 'd' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'a', image: 'x:1' }] } } },
    });
    const spec = d.spec as Record<string, unknown>;
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    const template = spec.template as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    assert.equal(template.spec.restartPolicy, 'Always');
    assert.equal(template.spec.enableServiceLinks, undefined, 'only pods get enableServiceLinks');
    assert.equal(template.metadata.creationTimestamp, null);
    const recreate = applyDefaults('deployments', {
      metadata: { name: 'd' },
      spec: { replicas: 0, strategy: { type: 'Recreate' } },
    });
    assert.deepEqual((recreate.spec as Record<string, unknown>).strategy, { type: 'Recreate' });
    assert.equal((recreate.spec as Record<string, unknown>).replicas, 0);
    const rs = applyDefaults('replicasets', { metadata: { name: 'r' }, spec: {} });
    assert.equal((rs.spec as Record<string, unknown>).replicas, 1);
  });

  it('defaults services', () => {
    const s = applyDefaults('services', {
      metadata: { name: 's' },
      spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 81, targetPort: 'http' }], clusterIP: '10.244.128.9' },
    });
    const spec = s.spec as Record<string, unknown>;
    assert.equal(spec.sessionAffinity, 'None');
    assert.deepEqual(spec.ports, [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 81, protocol: 'TCP', targetPort: 'http' },
    ]);
    assert.deepEqual(spec.clusterIPs, ['10.244.128.9']);
    assert.deepEqual(spec.ipFamilies, ['IPv4']);
    assert.equal(spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(spec.internalTrafficPolicy, 'Cluster');
    assert.equal(spec.externalTrafficPolicy, 'Cluster');
    const plain = applyDefaults('services', { metadata: { name: 's' }, spec: {} });
    assert.equal((plain.spec as Record<string, unknown>).type, 'ClusterIP');
  });

  it('defaults namespaces', () => {
    const ns = applyDefaults('namespaces', { metadata: { name: 'dev', labels: { a: 'b' } } } as KubeObject);
    assert.deepEqual(ns.metadata.labels, { a: 'b', 'kubernetes.io/metadata.name': 'dev' });
    assert.deepEqual(ns.status, { phase: 'Active' });
  });

  it('computes the QoS class', () => {
    assert.equal(podQOSClass({ containers: [{ name: 'a' }] }), 'BestEffort');
    assert.equal(podQOSClass({ containers: [{ resources: { limits: { cpu: '1', memory: '1Gi' } } }] }), 'Guaranteed');
    assert.equal(podQOSClass({ containers: [{ resources: { requests: { cpu: '1' } } }] }), 'Burstable');
  });
});
