import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeEvent, KubeObject } from '@kubelab/api';
import { ApiEventRecorder, buildEvent, MemoryEventRecorder, type EventSink } from './events.js';

const deploy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7' },
};

test('buildEvent fills the upstream fields', () => {
  const ms = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
  const ev = buildEvent(
    deploy,
    'Normal',
    'ScalingReplicaSet',
    'Scaled up replica set web-abc to 3',
    { component: 'deployment-controller' },
    ms,
    3,
  );
  assert.equal(ev.metadata.name, `web.${(BigInt(ms) * 1_000_000n + 3n).toString(16)}`);
  assert.equal(ev.metadata.namespace, 'default');
  assert.deepEqual(ev.involvedObject, {
    kind: 'Deployment',
    namespace: 'default',
    name: 'web',
    uid: 'u1',
    apiVersion: 'apps/v1',
    resourceVersion: '7',
  });
  assert.equal(ev.firstTimestamp, '2024-01-02T03:04:05Z');
  assert.equal(ev.lastTimestamp, ev.firstTimestamp);
  assert.equal(ev.count, 1);
  assert.equal(ev.type, 'Normal');
  assert.deepEqual(ev.source, { component: 'deployment-controller' });
  assert.equal(ev.reportingComponent, 'deployment-controller');
});

test('cluster-scoped objects get their events in "default"', () => {
  const ev = buildEvent(
    { kind: 'Node', apiVersion: 'v1', metadata: { name: 'node-1' } },
    'Normal',
    'NodeNotReady',
    'x',
    { component: 'node-controller', host: 'h' },
    0,
    0,
  );
  assert.equal(ev.metadata.namespace, 'default');
  assert.equal(ev.involvedObject.namespace, undefined);
  assert.deepEqual(ev.source, { component: 'node-controller', host: 'h' });
});

test('ApiEventRecorder writes events, never throws, and drops failures', async () => {
  const written: KubeEvent[] = [];
  let fail = false;
  const sink: EventSink = {
    create<T extends KubeObject>(resource: string, obj: T): Promise<T> {
      assert.equal(resource, 'events');
      if (fail) return Promise.reject(new Error('apiserver down'));
      written.push(obj as unknown as KubeEvent);
      return Promise.resolve(obj);
    },
    get: () => Promise.reject(new Error('not used')),
    update: () => Promise.reject(new Error('not used')),
  };
  const rec = new ApiEventRecorder(sink, { component: 'c', clock: { now: () => 1000 } });
  rec.event(deploy, 'Normal', 'A', 'one');
  rec.event(deploy, 'Warning', 'B', 'two');
  fail = true;
  rec.event(deploy, 'Normal', 'C', 'three');
  await rec.flush();
  assert.deepEqual(
    written.map((e) => e.reason),
    ['A', 'B'],
  );
  assert.notEqual(written[0]!.metadata.name, written[1]!.metadata.name, 'names are unique within one millisecond');
});

test('ApiEventRecorder drops events beyond maxPending', async () => {
  let calls = 0;
  const sink: EventSink = {
    create: <T extends KubeObject>(_r: string, o: T) => (calls++, new Promise<T>((r) => setImmediate(() => r(o)))),
    get: () => Promise.reject(new Error('not used')),
    update: () => Promise.reject(new Error('not used')),
  };
  const rec = new ApiEventRecorder(sink, { component: 'c', maxPending: 2 });
  for (let i = 0; i < 5; i++) rec.event(deploy, 'Normal', 'R', String(i));
  await rec.flush();
  assert.equal(calls, 2);
});

test('ApiEventRecorder writes at most maxInFlight at once, the rest in order, a waiting repeat replaced', async () => {
  let open = 0;
  let most = 0;
  const written: KubeEvent[] = [];
  const sink: EventSink = {
    create: <T extends KubeObject>(_r: string, o: T) => {
      most = Math.max(most, ++open);
      return new Promise<T>((r) =>
        setImmediate(() => {
          open--;
          written.push(o as unknown as KubeEvent);
          r(o);
        }),
      );
    },
    get: () => Promise.reject(new Error('not used')),
    update: () => Promise.reject(new Error('not used')),
  };
  const rec = new ApiEventRecorder(sink, { component: 'c', maxInFlight: 2, clock: { now: () => 1000 } });
  for (let i = 0; i < 6; i++) rec.event(deploy, 'Normal', `R${i}`, 'm');
  rec.event(deploy, 'Normal', 'R5', 'm'); // R5 waits: its repeat replaces it (count 2), not a second write
  await rec.flush();
  assert.equal(most, 2);
  assert.deepEqual(
    written.map((e) => `${e.reason}×${e.count}`),
    ['R0×1', 'R1×1', 'R2×1', 'R3×1', 'R4×1', 'R5×2'],
  );
});

test('MemoryEventRecorder keeps lines', () => {
  const rec = new MemoryEventRecorder();
  rec.event(deploy, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-abc to 3');
  assert.deepEqual(rec.lines(), ['Normal ScalingReplicaSet Scaled up replica set web-abc to 3']);
});
