import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../types.js';
import { applyDefaults } from '../defaults/index.js';
import { fieldErrorString } from './errors.js';
import { validateObject } from './index.js';

function podWith(resources: unknown, extra: Record<string, unknown> = {}): KubeObject {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox', resources }], ...extra },
  };
  applyDefaults('pods', pod);
  return pod;
}
const messages = (resource: string, obj: KubeObject): string[] => validateObject(resource, obj).map(fieldErrorString);

test('container quantities: negative, malformed, out of range, requests over limits (upstream messages)', () => {
  // Defaulting copies a limit into a missing request, as upstream does: both are reported.
  assert.deepEqual(messages('pods', podWith({ limits: { memory: '-1Gi' } })), [
    'spec.containers[0].resources.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
    'spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
  ]);
  assert.deepEqual(messages('pods', podWith({ requests: { cpu: 'abc' } })), [
    `spec.containers[0].resources.requests[cpu]: Invalid value: "abc": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
  ]);
  assert.deepEqual(messages('pods', podWith({ requests: { cpu: '1e400' } })), [
    'spec.containers[0].resources.requests[cpu]: Invalid value: "1e400": must be between -9223372036854775807 and 9223372036854775807, inclusive',
  ]);
  assert.deepEqual(messages('pods', podWith({ limits: { cpu: '1' }, requests: { cpu: '2000m' } })), [
    'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
  ]);
  assert.deepEqual(
    messages('pods', podWith({ limits: { cpu: 1, memory: '1Gi' }, requests: { cpu: '500m', memory: '512Mi' } })),
    [],
  );
});

test('resource names, extended resources and huge pages as upstream', () => {
  assert.deepEqual(messages('pods', podWith({ requests: { gpu: '1' } })), [
    'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
  ]);
  assert.deepEqual(messages('pods', podWith({ requests: { 'example.com/gpu': '1' } })), [
    'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
  ]);
  assert.deepEqual(
    messages('pods', podWith({ limits: { 'example.com/gpu': '2' }, requests: { 'example.com/gpu': '1' } })),
    ['spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2'],
  );
  assert.deepEqual(
    messages('pods', podWith({ limits: { 'example.com/gpu': '500m' }, requests: { 'example.com/gpu': '500m' } })),
    [
      'spec.containers[0].resources.limits[example.com/gpu]: Invalid value: "500m": must be an integer',
      'spec.containers[0].resources.requests[example.com/gpu]: Invalid value: "500m": must be an integer',
    ],
  );
  assert.deepEqual(
    messages('pods', podWith({ limits: { 'hugepages-2Mi': '2Mi' }, requests: { 'hugepages-2Mi': '2Mi' } })),
    ['spec.containers[0].resources: Forbidden: HugePages require cpu or memory'],
  );
});

test('init containers, overhead, ephemeral containers, templates, claim templates and node capacity', () => {
  const init = podWith({});
  (init.spec as { initContainers: unknown[] }).initContainers = [
    {
      name: 'i',
      image: 'busybox',
      imagePullPolicy: 'Always',
      terminationMessagePolicy: 'File',
      resources: { requests: { memory: '-5' } },
    },
  ];
  assert.deepEqual(messages('pods', init), [
    'spec.initContainers[0].resources.requests[memory]: Invalid value: "-5": must be greater than or equal to 0',
  ]);
  assert.deepEqual(messages('pods', podWith({}, { overhead: { cpu: '-1' } })), [
    'spec.overhead[cpu]: Invalid value: "-1": must be greater than or equal to 0',
  ]);
  assert.deepEqual(
    messages(
      'pods',
      podWith({}, { ephemeralContainers: [{ name: 'e', image: 'busybox', resources: { limits: { cpu: '1' } } }] }),
    ),
    ['spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container'],
  );
  const dep: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'default' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: {
        metadata: { labels: { a: 'b' } },
        spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { memory: '-1Gi' } } }] },
      },
    },
  };
  applyDefaults('deployments', dep);
  assert.deepEqual(messages('deployments', dep), [
    'spec.template.spec.containers[0].resources.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
  ]);
  const sts: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's', namespace: 'default' },
    spec: {
      ...(dep.spec as object),
      serviceName: 's',
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: 'lots' } } } }],
    },
  };
  applyDefaults('statefulsets', sts);
  assert.ok(
    messages('statefulsets', sts).some((m) =>
      m.startsWith(
        'spec.volumeClaimTemplates[0].spec.resources.requests[storage]: Invalid value: "lots": quantities must match',
      ),
    ),
  );
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n' },
    status: { capacity: { cpu: '2', memory: '-1Ki' }, allocatable: { pods: '1.5' } },
  };
  assert.deepEqual(messages('nodes', node), [
    'status.capacity.memory: Invalid value: "-1Ki": must be greater than or equal to 0',
    'status.allocatable.pods: Invalid value: "1500m": must be an integer',
  ]);
});
