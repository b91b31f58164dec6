import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { deploymentPrinter, replicaSetPrinter } from './apps.js';
import { buildTable, printerFor } from './index.js';
import { eventPrinter, genericPrinter, namespacePrinter } from './misc.js';
import { nodePrinter } from './nodes.js';
import { endpointsPrinter, servicePrinter } from './services.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'default',
  creationTimestamp: new Date(NOW - 45_000).toISOString(),
  ...extra,
});

test('services: type, cluster IP, external IP, ports, selector', () => {
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({
    metadata: meta('web'),
    spec,
    status,
  });
  assert.deepEqual(
    servicePrinter.cells(
      svc({
        type: 'NodePort',
        clusterIP: '10.244.128.5',
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
        selector: { b: '2', a: '1' },
      }),
      NOW,
    ),
    ['web', 'NodePort', '10.244.128.5', '<none>', '80:30080/TCP,53/UDP', '45s', 'a=1,b=2'],
  );
  assert.equal(
    servicePrinter.cells(svc({ type: 'LoadBalancer', clusterIP: '1.1.1.1', ports: [] }), NOW)[3],
    '<pending>',
  );
  assert.equal(
    servicePrinter.cells(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '9.9.9.9' }] } }), NOW)[3],
    '9.9.9.9',
  );
  assert.equal(servicePrinter.cells(svc({ type: 'ExternalName', externalName: 'example.com' }), NOW)[3], 'example.com');
  const bare = servicePrinter.cells(svc({}), NOW);
  assert.deepEqual([bare[1], bare[2], bare[4], bare[6]], ['ClusterIP', '<none>', '<none>', '<none>']);
});

test('nodes: Ready/NotReady/Unknown, SchedulingDisabled, roles, version, wide fields', () => {
  const node = (labels: Record<string, string>, conditions: unknown[], unschedulable = false): KubeObject => ({
    metadata: { name: 'n1', creationTimestamp: new Date(NOW - 3 * 3600_000).toISOString(), labels },
    spec: { unschedulable },
    status: {
      conditions,
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian' },
      addresses: [{ type: 'InternalIP', address: '10.244.0.2' }],
    },
  });
  assert.deepEqual(nodePrinter.cells(node({}, [{ type: 'Ready', status: 'True' }]), NOW), [
    'n1',
    'Ready',
    '<none>',
    '3h',
    'v1.32.0',
    '10.244.0.2',
    '<none>',
    'Debian',
    '<unknown>',
    '<unknown>',
  ]);
  assert.equal(
    nodePrinter.cells(node({}, [{ type: 'Ready', status: 'False' }], true), NOW)[1],
    'NotReady,SchedulingDisabled',
  );
  assert.equal(nodePrinter.cells(node({}, []), NOW)[1], 'Unknown');
  assert.equal(
    nodePrinter.cells(
      node(
        {
          'node-role.kubernetes.io/worker': '',
          'node-role.kubernetes.io/control-plane': '',
          'kubernetes.io/role': 'infra',
        },
        [],
      ),
      NOW,
    )[2],
    'control-plane,infra,worker',
  );
});

test('deployments and replicasets: ready counts, integers, wide containers/images/selector', () => {
  const d: KubeObject = {
    metadata: meta('web'),
    spec: {
      replicas: 3,
      selector: {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }],
      },
      template: {
        spec: {
          containers: [
            { name: 'n', image: 'nginx' },
            { name: 's', image: 'busybox' },
          ],
        },
      },
    },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2, replicas: 3 },
  };
  assert.deepEqual(deploymentPrinter.cells(d, NOW), [
    'web',
    '2/3',
    3,
    2,
    '45s',
    'n,s',
    'nginx,busybox',
    'app=web,tier in (a,b)',
  ]);
  assert.deepEqual(replicaSetPrinter.cells(d, NOW).slice(0, 4), ['web', 3, 3, 2]);
  assert.deepEqual(deploymentPrinter.cells({ metadata: meta('x'), spec: {} }, NOW).slice(1, 4), ['0/1', 0, 0]);
});

test('endpoints: ip:port pairs, at most three, then "+ N more..."', () => {
  const ep = (subsets: unknown[]): KubeObject => ({ metadata: meta('web'), subsets });
  assert.equal(endpointsPrinter.cells(ep([]), NOW)[1], '<none>');
  assert.equal(
    endpointsPrinter.cells(ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]), NOW)[1],
    '10.0.0.1:80',
  );
  const many = [{ addresses: [{ ip: 'a' }, { ip: 'b' }], ports: [{ port: 1 }, { port: 2 }] }];
  assert.equal(endpointsPrinter.cells(ep(many), NOW)[1], 'a:1,b:1,a:2 + 1 more...');
});

test('namespaces, events and the generic table', () => {
  assert.deepEqual(namespacePrinter.cells({ metadata: meta('kube-system'), status: { phase: 'Active' } }, NOW), [
    'kube-system',
    'Active',
    '45s',
  ]);
  const ev: KubeObject = {
    metadata: meta('web.1'),
    involvedObject: { kind: 'Pod', name: 'web-x', fieldPath: 'spec.containers{n}' },
    reason: 'Scheduled',
    message: ' Successfully assigned ',
    type: 'Normal',
    source: { component: 'default-scheduler' },
    firstTimestamp: new Date(NOW - 120_000).toISOString(),
    lastTimestamp: new Date(NOW - 30_000).toISOString(),
  };
  assert.deepEqual(eventPrinter.cells(ev, NOW), [
    '30s',
    'Normal',
    'Scheduled',
    'pod/web-x',
    'spec.containers{n}',
    'default-scheduler',
    'Successfully assigned',
    '2m',
    1,
    'web.1',
  ]);
  assert.deepEqual(genericPrinter.cells({ metadata: { name: 'x', creationTimestamp: '2026-01-01T00:00:00Z' } }, NOW), [
    'x',
    '2026-01-01T00:00:00Z',
  ]);
  assert.equal(printerFor('somethingelse'), genericPrinter);
});

test('buildTable: Table envelope, PartialObjectMetadata rows, includeObject, noHeaders', () => {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta('default', { labels: { a: 'b' } }),
    status: { phase: 'Active' },
  };
  const t = buildTable('namespaces', [obj], { resourceVersion: '7', continue: 'abc', now: NOW }) as Record<string, any>;
  assert.equal(t['kind'], 'Table');
  assert.equal(t['apiVersion'], 'meta.k8s.io/v1');
  assert.deepEqual(t['metadata'], { resourceVersion: '7', continue: 'abc' });
  assert.equal(t['columnDefinitions'][0].format, 'name');
  assert.deepEqual(t['rows'][0].object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: obj.metadata,
  });
  const full = buildTable('namespaces', [obj], {
    includeObject: 'Object',
    noHeaders: true,
    version: 'v1beta1',
  }) as Record<string, any>;
  assert.equal(full['columnDefinitions'], null);
  assert.equal(full['apiVersion'], 'meta.k8s.io/v1beta1');
  assert.equal(full['rows'][0].object, obj);
  const none = buildTable('namespaces', [obj], { includeObject: 'None' }) as Record<string, any>;
  assert.equal('object' in none['rows'][0], false);
  assert.deepEqual((buildTable('pods', []) as Record<string, any>)['rows'], []);
});
