import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { printerFor } from './index.js';

const NOW = Date.parse('2024-01-01T01:00:00Z');
const meta = { name: 'x', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' };
const tmpl = { spec: { containers: [{ name: 'c', image: 'busybox' }] } };
const names = (r: string): string[] =>
  printerFor(r)
    .columns.filter((c) => c.priority === 0)
    .map((c) => c.name);

test('columns as upstream prints them', () => {
  assert.deepEqual(names('configmaps'), ['Name', 'Data', 'Age']);
  assert.deepEqual(names('secrets'), ['Name', 'Type', 'Data', 'Age']);
  assert.deepEqual(names('serviceaccounts'), ['Name', 'Secrets', 'Age']);
  assert.deepEqual(names('daemonsets'), [
    'Name',
    'Desired',
    'Current',
    'Ready',
    'Up-to-date',
    'Available',
    'Node Selector',
    'Age',
  ]);
  assert.deepEqual(names('statefulsets'), ['Name', 'Ready', 'Age']);
  assert.deepEqual(names('jobs'), ['Name', 'Status', 'Completions', 'Duration', 'Age']);
  assert.deepEqual(names('cronjobs'), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age']);
  assert.deepEqual(names('horizontalpodautoscalers'), [
    'Name',
    'Reference',
    'Targets',
    'MinPods',
    'MaxPods',
    'Replicas',
    'Age',
  ]);
  assert.deepEqual(names('ingresses'), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
  assert.deepEqual(names('endpointslices'), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
  assert.deepEqual(names('poddisruptionbudgets'), [
    'Name',
    'Min Available',
    'Max Unavailable',
    'Allowed Disruptions',
    'Age',
  ]);
});

test('job cells: status, completions, duration', () => {
  const job: KubeObject = {
    metadata: meta,
    spec: { completions: 3, parallelism: 1, selector: { matchLabels: { a: 'b' } }, template: tmpl },
    status: {
      succeeded: 3,
      startTime: '2024-01-01T00:00:00Z',
      completionTime: '2024-01-01T00:00:42Z',
      conditions: [{ type: 'Complete', status: 'True' }],
    },
  };
  assert.deepEqual(printerFor('jobs').cells(job, NOW), ['x', 'Complete', '3/3', '42s', '60m', 'c', 'busybox', 'a=b']);
  const running: KubeObject = {
    metadata: meta,
    spec: { parallelism: 2, template: tmpl },
    status: { startTime: '2024-01-01T00:59:00Z' },
  };
  assert.deepEqual(printerFor('jobs').cells(running, NOW).slice(1, 4), ['Running', '0/1 of 2', '60s']);
});

test('cronjob, daemonset, statefulset, config and store-only kinds', () => {
  const cj: KubeObject = {
    metadata: meta,
    spec: { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template: tmpl } } },
    status: { active: [{ name: 'j' }], lastScheduleTime: '2024-01-01T00:59:30Z' },
  };
  assert.deepEqual(printerFor('cronjobs').cells(cj, NOW), [
    'x',
    '*/1 * * * *',
    '<none>',
    'False',
    1,
    '30s',
    '60m',
    'c',
    'busybox',
    '<none>',
  ]);
  const ds: KubeObject = {
    metadata: meta,
    spec: {
      selector: { matchLabels: { app: 'a' } },
      template: { spec: { ...tmpl.spec, nodeSelector: { disk: 'ssd' } } },
    },
    status: {
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberReady: 1,
      updatedNumberScheduled: 2,
      numberAvailable: 1,
    },
  };
  assert.deepEqual(printerFor('daemonsets').cells(ds, NOW).slice(0, 7), ['x', 2, 2, 1, 2, 1, 'disk=ssd']);
  assert.deepEqual(
    printerFor('statefulsets')
      .cells({ metadata: meta, spec: { replicas: 3, template: tmpl }, status: { readyReplicas: 2 } }, NOW)
      .slice(0, 2),
    ['x', '2/3'],
  );
  assert.deepEqual(
    printerFor('secrets').cells({ metadata: meta, type: 'Opaque', data: { a: 'eA==', b: 'eA==' } }, NOW),
    ['x', 'Opaque', 2, '60m'],
  );
  assert.deepEqual(
    printerFor('configmaps').cells({ metadata: meta, data: { a: '1' }, binaryData: { b: 'eA==' } }, NOW),
    ['x', 2, '60m'],
  );
  const hpa: KubeObject = {
    metadata: meta,
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
    },
    status: {},
  };
  assert.deepEqual(printerFor('horizontalpodautoscalers').cells(hpa, NOW), [
    'x',
    'Deployment/web',
    'cpu: <unknown>/50%',
    '1',
    5,
    0,
    '60m',
  ]);
  const es: KubeObject = {
    metadata: meta,
    addressType: 'IPv4',
    ports: [{ port: 80 }],
    endpoints: [
      { addresses: ['10.0.0.1'] },
      { addresses: ['10.0.0.2'] },
      { addresses: ['10.0.0.3'] },
      { addresses: ['10.0.0.4'] },
    ],
  };
  assert.deepEqual(printerFor('endpointslices').cells(es, NOW), [
    'x',
    'IPv4',
    '80',
    '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...',
    '60m',
  ]);
  assert.deepEqual(
    printerFor('poddisruptionbudgets').cells(
      { metadata: meta, spec: { minAvailable: 1 }, status: { disruptionsAllowed: 0 } },
      NOW,
    ),
    ['x', '1', 'N/A', 0, '60m'],
  );
  assert.deepEqual(printerFor('ingresses').cells({ metadata: meta, spec: { rules: [{ host: 'a.example' }] } }, NOW), [
    'x',
    '<none>',
    'a.example',
    '',
    '80',
    '60m',
  ]);
});
