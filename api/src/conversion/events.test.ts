import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '../types.js';
import { renameFieldLabels } from '../fields.js';
import {
  assertEventV1Create,
  eventCoreToV1,
  eventV1ToCore,
  EVENT_V1_FIELD_LABELS,
  validateEventV1Create,
} from './events.js';

const core = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web.17a', namespace: 'default', resourceVersion: '9' },
  involvedObject: {
    kind: 'Pod',
    namespace: 'default',
    name: 'web',
    uid: 'u1',
    apiVersion: 'v1',
    fieldPath: 'spec.containers{app}',
  },
  reason: 'BackOff',
  message: 'Back-off restarting failed container app',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2024-01-01T00:00:00Z',
  lastTimestamp: '2024-01-01T00:05:00Z',
  count: 12,
  type: 'Warning',
  eventTime: null,
  series: { count: 3, lastObservedTime: '2024-01-01T00:05:00.000000Z' },
  action: 'Restarting',
  related: { kind: 'Node', name: 'node-1' },
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
} as unknown as KubeObject;

describe('core/v1 ⇄ events.k8s.io/v1 Events', () => {
  it('renames as upstream and keeps the shared fields', () => {
    assert.deepEqual(eventCoreToV1(core), {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'web.17a', namespace: 'default', resourceVersion: '9' },
      regarding: {
        kind: 'Pod',
        namespace: 'default',
        name: 'web',
        uid: 'u1',
        apiVersion: 'v1',
        fieldPath: 'spec.containers{app}',
      },
      reason: 'BackOff',
      note: 'Back-off restarting failed container app',
      deprecatedSource: { component: 'kubelet', host: 'node-1' },
      deprecatedFirstTimestamp: '2024-01-01T00:00:00Z',
      deprecatedLastTimestamp: '2024-01-01T00:05:00Z',
      deprecatedCount: 12,
      type: 'Warning',
      eventTime: null,
      series: { count: 3, lastObservedTime: '2024-01-01T00:05:00.000000Z' },
      action: 'Restarting',
      related: { kind: 'Node', name: 'node-1' },
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
    });
  });

  it('round-trips both ways', () => {
    assert.deepEqual(eventV1ToCore(eventCoreToV1(core)), core);
    const v1 = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'x' },
      eventTime: '2024-01-01T00:00:00.000000Z',
      regarding: { kind: 'Pod', name: 'p' },
      note: 'n',
      reason: 'R',
      action: 'A',
      type: 'Normal',
      reportingController: 'c',
      reportingInstance: 'i',
    } as unknown as KubeObject;
    assert.deepEqual(eventCoreToV1(eventV1ToCore(v1)), v1);
    assert.equal(eventV1ToCore(v1).apiVersion, 'v1');
    assert.equal(
      eventCoreToV1({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'y' } })['eventTime'],
      null,
      'eventTime is always there',
    );
  });

  it('maps the events.k8s.io/v1 field selector labels to the core ones', () => {
    assert.equal(
      renameFieldLabels('regarding.name=web,reportingController=kubelet,type!=Normal', EVENT_V1_FIELD_LABELS),
      'involvedObject.name=web,reportingComponent=kubelet,type!=Normal',
    );
    assert.equal(renameFieldLabels('regarding.name=a\\,b', EVENT_V1_FIELD_LABELS), 'involvedObject.name=a\\,b');
    assert.throws(
      () => renameFieldLabels('involvedObject.name=web', EVENT_V1_FIELD_LABELS),
      (e: unknown) =>
        e instanceof ApiError &&
        e.reason === 'BadRequest' &&
        e.message === 'field label not supported: involvedObject.name',
    );
  });

  it('validates creates as upstream does for new events', () => {
    const good = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'x' },
      eventTime: '2024-01-01T00:00:00.000000Z',
      regarding: {},
      reason: 'R',
      action: 'A',
      type: 'Normal',
      reportingController: 'example.com/ctl',
      reportingInstance: 'i',
    } as unknown as KubeObject;
    assert.deepEqual(validateEventV1Create(good), []);
    const bad = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'x' },
      type: 'Fatal',
      deprecatedCount: 3,
    } as unknown as KubeObject;
    assert.deepEqual(
      validateEventV1Create(bad).map((e) => e.field),
      ['eventTime', 'type', 'deprecatedCount', 'reportingController', 'reportingInstance', 'action', 'reason'],
    );
    assert.throws(
      () => assertEventV1Create(bad),
      (e: unknown) =>
        e instanceof ApiError &&
        e.reason === 'Invalid' &&
        e.message.startsWith(
          'Event.events.k8s.io "x" is invalid: [eventTime: Required value, type: Invalid value: "": has invalid value: Fatal',
        ),
    );
  });
});
