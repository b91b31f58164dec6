import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf } from './index.js';
import { build, envelope, newMeta, type PbWriter } from './testing/encode.js';
import { KUBECTL_133_DEPLOY } from './testing/fixtures.js';

test('kubectl 1.33 create deployment decodes to what kubectl 1.31 sends as JSON', () => {
  assert.deepEqual(decodeKubernetesProtobuf(KUBECTL_133_DEPLOY), {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', resources: {} }] },
      },
      strategy: {},
    },
    status: {},
  });
});

const decode = (apiVersion: string, kind: string, fill: (w: PbWriter) => void) =>
  decodeKubernetesProtobuf(envelope(apiVersion, kind, build(fill)));

test('Namespace: empty spec and status stay as {}', () => {
  const o = decode('v1', 'Namespace', (w) =>
    w
      .message(1, (m) => newMeta(m, 'x'))
      .message(2)
      .message(3, (s) => s.string(1, '')),
  );
  assert.deepEqual(o, {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name: 'x', creationTimestamp: null },
    spec: {},
    status: {},
  });
});

const servicePort = (p: PbWriter, name: string, port: number, target: number | string) =>
  p
    .string(1, name)
    .string(2, 'TCP')
    .int(3, port)
    .message(4, (t) =>
      typeof target === 'number' ? t.int(1, 0).int(2, target).string(3, '') : t.int(1, 1).int(2, 0).string(3, target),
    )
    .int(5, 0);

test('Service: ports with IntOrString targetPort (int and string), selector map, status.loadBalancer {}', () => {
  const o = decode('v1', 'Service', (w) =>
    w
      .message(1, (m) => newMeta(m, 's', { app: 's' }))
      .message(2, (s) => {
        s.message(1, (p) => servicePort(p, '80-80', 80, 80));
        s.message(1, (p) => servicePort(p, 'http', 8080, 'web'));
        s.entry(2, 'app', 's')
          .string(3, '')
          .string(4, 'NodePort')
          .string(7, '')
          .string(8, '')
          .string(10, '')
          .string(11, '')
          .int(12, 0)
          .int(13, false);
      })
      .message(3, (st) => st.message(1)),
  );
  assert.deepEqual(o, {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: 's', creationTimestamp: null, labels: { app: 's' } },
    spec: {
      ports: [
        { name: '80-80', protocol: 'TCP', port: 80, targetPort: 80 },
        { name: 'http', protocol: 'TCP', port: 8080, targetPort: 'web' },
      ],
      selector: { app: 's' },
      type: 'NodePort',
    },
    status: { loadBalancer: {} },
  });
});

test('ConfigMap and Secret: string maps, bytes maps as base64, empty values kept', () => {
  const cm = decode('v1', 'ConfigMap', (w) =>
    w
      .message(1, (m) => newMeta(m, 'cm'))
      .entry(2, 'a', '1')
      .entry(2, 'empty', '')
      .entry(3, 'bin', Uint8Array.from([0, 1, 255])),
  );
  assert.deepEqual(cm['data'], { a: '1', empty: '' });
  assert.deepEqual(cm['binaryData'], { bin: 'AAH/' });
  const sec = decode('v1', 'Secret', (w) =>
    w
      .message(1, (m) => newMeta(m, 's'))
      .entry(2, 'password', Buffer.from('hunter2'))
      .entry(2, 'none', new Uint8Array(0))
      .string(3, 'Opaque'),
  );
  assert.deepEqual(sec, {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name: 's', creationTimestamp: null },
    data: { password: 'aHVudGVyMg==', none: '' },
    type: 'Opaque',
  });
  // A map entry without a value field is the zero value.
  const noValue = decode('v1', 'ConfigMap', (w) => w.message(2, (e) => e.string(1, 'k')));
  assert.deepEqual(noValue['data'], { k: '' });
});

const podTemplate = (t: PbWriter, image: string, command: string[]) =>
  t
    .message(1, (m) => m.message(8))
    .message(2, (ps) => {
      ps.message(2, (c) => {
        c.string(1, 'c').string(2, image);
        for (const a of command) c.string(3, a);
        c.message(8);
      });
      ps.string(3, 'OnFailure');
    });

test('Job and CronJob: nested templates, command lists, pointer zeros kept', () => {
  const job = decode('batch/v1', 'Job', (w) =>
    w
      .message(1, (m) => newMeta(m, 'j'))
      .message(2, (s) => s.int(7, 0).message(6, (t) => podTemplate(t, 'busybox', ['sh', '-c', 'date'])))
      .message(3),
  );
  assert.deepEqual(job['spec'], {
    backoffLimit: 0,
    template: {
      metadata: { creationTimestamp: null },
      spec: {
        containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'date'], resources: {} }],
        restartPolicy: 'OnFailure',
      },
    },
  });
  const cj = decode('batch/v1', 'CronJob', (w) =>
    w
      .message(1, (m) => newMeta(m, 'cj'))
      .message(2, (s) =>
        s
          .string(1, '*/1 * * * *')
          .string(3, '')
          .int(4, false)
          .message(5, (jt) =>
            jt
              .message(1, (m) => newMeta(m, 'cj'))
              .message(2, (js) => js.message(6, (t) => podTemplate(t, 'busybox', []))),
          ),
      ),
  );
  const spec = cj['spec'] as Record<string, unknown>;
  assert.equal(spec['schedule'], '*/1 * * * *');
  assert.equal(spec['suspend'], false, 'a *bool that is set stays even when false');
  assert.equal(spec['concurrencyPolicy'], undefined);
  assert.deepEqual((spec['jobTemplate'] as { metadata: unknown }).metadata, { name: 'cj', creationTimestamp: null });
});

test('Ingress: inline rule value, pathType, service backend port', () => {
  const o = decode('networking.k8s.io/v1', 'Ingress', (w) =>
    w
      .message(1, (m) => newMeta(m, 'ing'))
      .message(2, (s) =>
        s.message(3, (r) =>
          r.string(1, 'foo.com').message(2, (rv) =>
            rv.message(1, (h) =>
              h.message(1, (p) =>
                p
                  .string(1, '/bar')
                  .string(3, 'Exact')
                  .message(2, (b) =>
                    b.message(4, (sb) => sb.string(1, 'svc1').message(2, (port) => port.string(1, '').int(2, 8080))),
                  ),
              ),
            ),
          ),
        ),
      ),
  );
  assert.deepEqual(o['spec'], {
    rules: [
      {
        host: 'foo.com',
        http: {
          paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }],
        },
      },
    ],
  });
});

test('RBAC: Role rules and RoleBinding subjects/roleRef', () => {
  const role = decode('rbac.authorization.k8s.io/v1', 'Role', (w) =>
    w
      .message(1, (m) => newMeta(m, 'r'))
      .message(2, (r) => r.string(1, 'get').string(1, 'list').string(2, '').string(3, 'pods')),
  );
  assert.deepEqual(role['rules'], [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
  const rb = decode('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', (w) =>
    w
      .message(1, (m) => newMeta(m, 'b'))
      .message(2, (s) => s.string(1, 'User').string(2, 'rbac.authorization.k8s.io').string(3, 'alice').string(4, ''))
      .message(3, (r) => r.string(1, 'rbac.authorization.k8s.io').string(2, 'ClusterRole').string(3, 'view')),
  );
  assert.deepEqual(rb['subjects'], [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }]);
  assert.deepEqual(rb['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
  // Go's `json:"rules"` (no omitempty): an aggregated ClusterRole without rules carries rules: null.
  const agg = decode('rbac.authorization.k8s.io/v1', 'ClusterRole', (w) =>
    w.message(1, (m) => newMeta(m, 'agg')).message(3, (a) => a.message(1, (sel) => sel.entry(1, 'foo', 'bar'))),
  );
  assert.deepEqual(agg, {
    kind: 'ClusterRole',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: { name: 'agg', creationTimestamp: null },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { foo: 'bar' } }] },
    rules: null,
  });
});

test('ResourceQuota, PodDisruptionBudget, PriorityClass, ServiceAccount', () => {
  const q = decode('v1', 'ResourceQuota', (w) =>
    w
      .message(1, (m) => newMeta(m, 'q'))
      .message(2, (s) => s.entry(1, 'pods', (v) => v.string(1, '10')).entry(1, 'cpu', () => undefined))
      .message(3),
  );
  assert.deepEqual(q['spec'], { hard: { pods: '10', cpu: '0' } });
  assert.deepEqual(q['status'], {});
  const pdb = decode('policy/v1', 'PodDisruptionBudget', (w) =>
    w
      .message(1, (m) => newMeta(m, 'p'))
      .message(2, (s) =>
        s.message(1, (i) => i.int(1, 1).string(3, '50%')).message(2, (sel) => sel.entry(1, 'app', 'web')),
      )
      .message(3, (st) => st.int(3, 0).int(4, 0).int(5, 0).int(6, 0)),
  );
  assert.deepEqual(pdb['spec'], { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } });
  assert.deepEqual(pdb['status'], { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  const pc = decode('scheduling.k8s.io/v1', 'PriorityClass', (w) =>
    w
      .message(1, (m) => newMeta(m, 'high'))
      .int(2, 0)
      .int(3, false)
      .string(4, 'important'),
  );
  assert.deepEqual(pc, {
    kind: 'PriorityClass',
    apiVersion: 'scheduling.k8s.io/v1',
    metadata: { name: 'high', creationTimestamp: null },
    value: 0,
    description: 'important',
  });
  const sa = decode('v1', 'ServiceAccount', (w) => w.message(1, (m) => newMeta(m, 'robot')).int(4, false));
  assert.deepEqual(sa, {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: { name: 'robot', creationTimestamp: null },
    automountServiceAccountToken: false,
  });
});

test('HorizontalPodAutoscaler in autoscaling/v1 and autoscaling/v2', () => {
  const ref = (r: PbWriter) => r.string(1, 'Deployment').string(2, 'web').string(3, 'apps/v1');
  const v1 = decode('autoscaling/v1', 'HorizontalPodAutoscaler', (w) =>
    w
      .message(1, (m) => newMeta(m, 'web'))
      .message(2, (s) => s.message(1, ref).int(2, 1).int(3, 5).int(4, 80))
      .message(3, (st) => st.int(3, 0).int(4, 0)),
  );
  assert.deepEqual(v1['spec'], {
    scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
    minReplicas: 1,
    maxReplicas: 5,
    targetCPUUtilizationPercentage: 80,
  });
  assert.deepEqual(v1['status'], { currentReplicas: 0, desiredReplicas: 0 });
  const v2 = decode('autoscaling/v2', 'HorizontalPodAutoscaler', (w) =>
    w
      .message(1, (m) => newMeta(m, 'web'))
      .message(2, (s) =>
        s
          .message(1, ref)
          .int(3, 5)
          .message(4, (ms) =>
            ms
              .string(1, 'Resource')
              .message(4, (r) => r.string(1, 'cpu').message(2, (t) => t.string(1, 'Utilization').int(4, 80))),
          ),
      ),
  );
  assert.deepEqual((v2['spec'] as { metrics: unknown }).metrics, [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
  ]);
});
