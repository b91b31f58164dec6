/** Namespace, Event and Lease tables, and the generic Name / Created At table for the rest. */
import { eventV1ToCore, humanAge, type KubeObject } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, int, nameOf, obj, str } from './format.js';

export const namespacePrinter: Printer = {
  columns: [NAME_COLUMN, col('Status', 'The status of the namespace'), AGE_COLUMN],
  cells(ns, now) {
    return [nameOf(ns), str(obj(ns.status)['phase']), age(ns, now)];
  },
};

function eventSource(e: KubeObject): string {
  const src = obj(e['source']);
  let component = str(src['component']);
  let host = str(src['host']);
  if (!component) {
    component = str(e['reportingComponent']) || str(e['reportingController']);
    host = str(e['reportingInstance']);
  }
  return host ? `${component}, ${host}` : component;
}

export const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'Time of the last occurrence of this event.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
    col(
      'Reason',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    col('Object', 'The object that this event is about.'),
    col('Subobject', 'The subobject (a field path within the object) this event is about.', { priority: 1 }),
    col('Source', 'The component reporting this event.', { priority: 1 }),
    col('Message', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'The time at which the event was first recorded.', { priority: 1 }),
    col('Count', 'The number of times this event has occurred.', { type: 'integer', priority: 1 }),
    col('Name', 'Name must be unique within a namespace.', { format: 'name', priority: 1 }),
  ],
  cells(served, now) {
    // events.k8s.io/v1 Events print as the core ones they are (upstream prints the internal Event).
    const e = served.apiVersion === 'events.k8s.io/v1' ? eventV1ToCore(served) : served;
    const series = e['series'] ? obj(e['series']) : undefined;
    const first = str(e['firstTimestamp']) || str(e['eventTime']);
    const firstSeen = humanAge(first || undefined, now);
    let lastSeen = e['lastTimestamp'] ? humanAge(str(e['lastTimestamp']), now) : firstSeen;
    let count = int(e['count']);
    if (series) {
      lastSeen = humanAge(str(series['lastObservedTime']) || undefined, now);
      count = int(series['count']);
    } else if (count === 0) count = 1;
    const involved = obj(e['involvedObject']);
    const kind = str(involved['kind']).toLowerCase();
    const target = str(involved['name']) ? `${kind}/${str(involved['name'])}` : kind;
    return [
      lastSeen,
      str(e['type']),
      str(e['reason']),
      target,
      str(involved['fieldPath']),
      eventSource(e),
      str(e['message']).trim(),
      firstSeen,
      count,
      nameOf(e),
    ];
  },
};

export const leasePrinter: Printer = {
  columns: [NAME_COLUMN, col('Holder', 'The holder of the lease.'), AGE_COLUMN],
  cells(l, now) {
    return [nameOf(l), str(obj(l.spec)['holderIdentity']), age(l, now)];
  },
};

export const genericPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', {
      type: 'date',
    }),
  ],
  cells(o) {
    return [nameOf(o), o.metadata.creationTimestamp ?? null];
  },
};
