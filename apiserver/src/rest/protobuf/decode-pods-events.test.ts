/** Kubernetes protobuf bodies of pods, token requests and events, decoded to their JSON (the rest: decode.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf } from './index.js';
import { build, envelope, newMeta, type PbWriter } from './testing/encode.js';

const decode = (apiVersion: string, kind: string, fill: (w: PbWriter) => void) =>
  decodeKubernetesProtobuf(envelope(apiVersion, kind, build(fill)));

test('Pod: times, inline volume sources and probe handlers, env from secrets, resources quantities', () => {
  const o = decode('v1', 'Pod', (w) =>
    w
      .message(1, (m) => {
        newMeta(m, 'p');
        m.entry(12, 'note', '');
        m.message(13, (or) =>
          or.string(5, 'apps/v1').string(1, 'ReplicaSet').string(3, 'rs').string(4, 'u-1').int(6, true),
        );
      })
      .message(2, (ps) => {
        ps.message(1, (v) =>
          v
            .string(1, 'data')
            .message(2, (vs) => vs.message(19, (cm) => cm.message(1, (l) => l.string(1, 'cfg')).int(3, 420))),
        );
        ps.message(2, (c) => {
          c.string(1, 'c').string(2, 'img');
          c.message(6, (p) => p.string(1, '').int(2, 0).int(3, 0).string(4, 'TCP'));
          c.message(7, (e) =>
            e
              .string(1, 'PW')
              .message(3, (vf) => vf.message(4, (sk) => sk.message(1, (l) => l.string(1, 'sec')).string(2, 'pw'))),
          );
          c.message(8, (r) =>
            r.entry(1, 'cpu', (q) => q.string(1, '500m')).entry(2, 'memory', (q) => q.string(1, '64Mi')),
          );
          c.message(10, (pr) =>
            pr
              .message(1, (h) =>
                h.message(2, (g) => g.string(1, '/healthz').message(2, (port) => port.int(1, 0).int(2, 8080))),
              )
              .int(4, 10),
          );
        });
        ps.int(4, 30);
        ps.int(5, -1);
        ps.message(14);
        ps.int(11, true);
      })
      .message(3, (st) => st.string(1, 'Running').message(7, (t) => t.int(1, 1700000000).int(2, 5))),
  );
  const meta = o['metadata'] as Record<string, unknown>;
  assert.deepEqual(meta['annotations'], { note: '' });
  assert.deepEqual(meta['ownerReferences'], [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-1', controller: true },
  ]);
  assert.deepEqual(o['spec'], {
    volumes: [{ name: 'data', configMap: { name: 'cfg', defaultMode: 420 } }],
    containers: [
      {
        name: 'c',
        image: 'img',
        ports: [{ containerPort: 0, protocol: 'TCP' }],
        env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'pw' } } }],
        resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
      },
    ],
    terminationGracePeriodSeconds: 30,
    activeDeadlineSeconds: -1,
    securityContext: {},
    hostNetwork: true,
  });
  assert.deepEqual(o['status'], { phase: 'Running', startTime: '2023-11-14T22:13:20Z' });
});

test('TokenRequest: absent pointers and slices without omitempty are null', () => {
  const tr = decode('authentication.k8s.io/v1', 'TokenRequest', (w) =>
    w
      .message(1, (m) => m.message(8))
      .message(2, (s) => s.string(1, 'api').int(4, 600))
      .message(3, (st) => st.string(1, '').message(2)),
  );
  assert.deepEqual(tr, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { audiences: ['api'], expirationSeconds: 600, boundObjectRef: null },
    status: { token: '', expirationTimestamp: null },
  });
  const bare = decode('authentication.k8s.io/v1', 'TokenRequest', (w) => w.message(2));
  assert.deepEqual(bare['spec'], { audiences: null, expirationSeconds: null, boundObjectRef: null });
});

test('Event: MicroTime keeps microseconds', () => {
  const o = decode('v1', 'Event', (w) =>
    w
      .message(1, (m) => newMeta(m, 'e'))
      .message(10, (t) => t.int(1, 1700000000).int(2, 123456000))
      .int(8, 3),
  );
  assert.equal(o['eventTime'], '2023-11-14T22:13:20.123456Z');
  assert.equal(o['count'], 3);
});

test('events.k8s.io/v1 Event (what a client-go 1.32+ EventsV1 client sends): its own field numbers', () => {
  const o = decode('events.k8s.io/v1', 'Event', (w) =>
    w
      .message(1, (m) => newMeta(m, 'e'))
      .message(2, (t) => t.int(1, 1700000000).int(2, 123456000))
      .message(3, (s) => s.int(1, 2).message(2, (t) => t.int(1, 1700000060).int(2, 0)))
      .string(4, 'example.com/ctl')
      .string(5, 'ctl-1')
      .string(6, 'Scaling')
      .string(7, 'Scaled')
      .message(8, (r) => r.string(1, 'Deployment').string(2, 'default').string(3, 'web'))
      .string(10, 'scaled to 3')
      .string(11, 'Normal')
      .message(12)
      .int(15, 0),
  );
  assert.deepEqual(o, {
    kind: 'Event',
    apiVersion: 'events.k8s.io/v1',
    metadata: { name: 'e', creationTimestamp: null },
    eventTime: '2023-11-14T22:13:20.123456Z',
    series: { count: 2, lastObservedTime: '2023-11-14T22:14:20.000000Z' },
    reportingController: 'example.com/ctl',
    reportingInstance: 'ctl-1',
    action: 'Scaling',
    reason: 'Scaled',
    regarding: { kind: 'Deployment', namespace: 'default', name: 'web' },
    note: 'scaled to 3',
    type: 'Normal',
    deprecatedSource: {},
  });
});
