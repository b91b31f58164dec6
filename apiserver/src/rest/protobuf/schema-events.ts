/** events.k8s.io/v1 Event messages (field numbers of k8s.io/api/events/v1/generated.proto). */
import type { Table } from './schema.js';

export const EVENTS_V1: Table = {
  Event: {
    1: 'metadata:ObjectMeta',
    2: 'eventTime:MicroTime',
    3: 'series:EventSeries',
    4: 'reportingController',
    5: 'reportingInstance',
    6: 'action',
    7: 'reason',
    8: 'regarding:ObjectReference',
    9: 'related:ObjectReference',
    10: 'note',
    11: 'type',
    12: 'deprecatedSource:EventSource',
    13: 'deprecatedFirstTimestamp:Time',
    14: 'deprecatedLastTimestamp:Time',
    15: 'deprecatedCount:int32',
  },
  EventSeries: { 1: 'count:int32!', 2: 'lastObservedTime:MicroTime' },
};
