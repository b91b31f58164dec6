import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './strategic.js';
import { listStrategy } from './merge-keys.js';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', labels: { app: 'api' }, annotations: { keep: 'me' }, finalizers: ['a', 'b'] },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
    template: {
      spec: {
        containers: [
          {
            name: 'api',
            image: 'nginx:1.25',
            env: [
              { name: 'A', value: '1' },
              { name: 'C', value: '3' },
            ],
            ports: [{ containerPort: 80 }, { containerPort: 443 }],
            volumeMounts: [{ mountPath: '/data', name: 'd' }],
          },
          { name: 'sidecar', image: 'busybox', args: ['sleep', '1'] },
        ],
        volumes: [{ name: 'd', emptyDir: {} }],
        tolerations: [{ key: 'x' }],
      },
    },
  },
});

test('the patch kubectl apply sends: env element deleted by key, image changed, order kept', () => {
  const patch = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: {
      replicas: 3,
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'api' }, { name: 'sidecar' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'B' }, { name: 'C' }],
              env: [
                { name: 'B', value: '2' },
                { $patch: 'delete', name: 'A' },
              ],
              image: 'nginx:1.26',
              name: 'api',
            },
          ],
        },
      },
    },
  };
  const out = applyStrategicMergePatch(deployment(), patch) as ReturnType<typeof deployment>;
  assert.equal(out.spec.replicas, 3);
  assert.deepEqual(out.metadata.annotations, { keep: 'me', 'kubectl.kubernetes.io/last-applied-configuration': '{}' });
  const [api, sidecar] = out.spec.template.spec.containers;
  assert.equal(api!.image, 'nginx:1.26');
  assert.deepEqual(api!.env, [
    { name: 'B', value: '2' },
    { name: 'C', value: '3' },
  ]);
  assert.deepEqual(api!.ports, [{ containerPort: 80 }, { containerPort: 443 }]);
  assert.deepEqual(sidecar, { name: 'sidecar', image: 'busybox', args: ['sleep', '1'] });
  assert.ok(!JSON.stringify(out).includes('$'), 'no directive may be stored');
});

test('a new list element is appended without its directives; the input objects are not modified', () => {
  const orig = deployment();
  const before = JSON.stringify(orig);
  const patch = {
    spec: { template: { spec: { containers: [{ name: 'new', image: 'x', env: [{ name: 'Z', value: null }] }] } } },
  };
  const out = applyStrategicMergePatch(orig, patch) as ReturnType<typeof deployment>;
  assert.deepEqual(
    out.spec.template.spec.containers.map((c) => c.name),
    ['api', 'sidecar', 'new'],
  );
  assert.deepEqual(out.spec.template.spec.containers[2], { name: 'new', image: 'x', env: [{ name: 'Z' }] });
  assert.equal(JSON.stringify(orig), before);
});

test('container ports merge by containerPort, Service ports by port, other lists are replaced', () => {
  const c = applyStrategicMergePatch(deployment(), {
    spec: {
      template: {
        spec: {
          containers: [{ name: 'api', ports: [{ containerPort: 443, name: 'https' }, { containerPort: 8080 }] }],
          tolerations: [{ key: 'y' }],
        },
      },
    },
  }) as ReturnType<typeof deployment>;
  assert.deepEqual(c.spec.template.spec.containers[0]!.ports, [
    { containerPort: 80 },
    { containerPort: 443, name: 'https' },
    { containerPort: 8080 },
  ]);
  assert.deepEqual(c.spec.template.spec.tolerations, [{ key: 'y' }]);

  const svc = { spec: { ports: [{ port: 80, targetPort: 8080, nodePort: 30001 }, { port: 443 }] } };
  const s = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }) as typeof svc;
  assert.deepEqual(s.spec.ports, [{ port: 80, targetPort: 9090, nodePort: 30001 }, { port: 443 }]);
});

test('null deletes a key; $patch: replace replaces a map; $patch: delete removes it', () => {
  const out = applyStrategicMergePatch(deployment(), {
    metadata: { labels: null },
    spec: {
      strategy: { $patch: 'replace', type: 'Recreate' },
      template: { spec: { volumes: [{ name: 'd', $patch: 'delete' }] } },
    },
  }) as ReturnType<typeof deployment> & { metadata: { labels?: unknown } };
  assert.equal(out.metadata.labels, undefined);
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  assert.deepEqual(out.spec.template.spec.volumes, []);
  const gone = applyStrategicMergePatch(deployment(), { spec: { strategy: { $patch: 'delete' } } }) as {
    spec: Record<string, unknown>;
  };
  assert.equal('strategy' in gone.spec, false);
});

test('$retainKeys drops fields not listed (strategy type switch)', () => {
  const out = applyStrategicMergePatch(deployment(), {
    spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
  }) as ReturnType<typeof deployment>;
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
});

test('a list-level $patch: replace element replaces the merged list', () => {
  const out = applyStrategicMergePatch(deployment(), {
    spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'i' }] } } },
  }) as ReturnType<typeof deployment>;
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'only', image: 'i' }]);
});

test('finalizers merge as a set; $deleteFromPrimitiveList removes values', () => {
  const out = applyStrategicMergePatch(deployment(), {
    metadata: { finalizers: ['b', 'c'], '$deleteFromPrimitiveList/finalizers': ['a'] },
  }) as ReturnType<typeof deployment>;
  assert.deepEqual(out.metadata.finalizers, ['b', 'c']);
});

test('$setElementOrder reorders merged elements', () => {
  const out = applyStrategicMergePatch(deployment(), {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'api' }],
          containers: [{ name: 'sidecar', image: 'b2' }],
        },
      },
    },
  }) as ReturnType<typeof deployment>;
  assert.deepEqual(
    out.spec.template.spec.containers.map((c) => `${c.name}:${c.image}`),
    ['sidecar:b2', 'api:nginx:1.25'],
  );
});

test('an unknown $patch directive and a non-object patch are 400s', () => {
  assert.throws(() => applyStrategicMergePatch({}, { spec: { $patch: 'explode' } }), /unknown patch directive/);
  assert.throws(
    () => applyStrategicMergePatch({}, [1, 2]),
    (e: unknown) => (e as { reason?: string }).reason === 'BadRequest',
  );
});

test('merge keys follow upstream tags', () => {
  assert.deepEqual(listStrategy(['spec', 'template', 'spec', 'containers']), { kind: 'merge', key: 'name' });
  assert.deepEqual(listStrategy(['spec', 'containers', 'volumeMounts']), { kind: 'merge', key: 'mountPath' });
  assert.deepEqual(listStrategy(['status', 'conditions']), { kind: 'merge', key: 'type' });
  assert.deepEqual(listStrategy(['spec', 'ports']), { kind: 'merge', key: 'port' });
  assert.deepEqual(listStrategy(['subsets', 'ports']), { kind: 'replace' });
  assert.deepEqual(listStrategy(['spec', 'template', 'spec', 'imagePullSecrets']), { kind: 'merge', key: 'name' });
  assert.deepEqual(listStrategy(['spec', 'template', 'spec', 'containers', 'args']), { kind: 'replace' });
});
