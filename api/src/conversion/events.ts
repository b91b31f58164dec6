/**
 * core/v1 ⇄ events.k8s.io/v1 Events, as upstream converts them (pkg/apis/events/v1): the same
 * stored object under other names (involvedObject → regarding, message → note, source →
 * deprecatedSource, firstTimestamp/lastTimestamp/count → deprecated*, reportingComponent →
 * reportingController); eventTime, series, action, related, reason, type and reportingInstance
 * keep theirs. Pure; fields either side does not know are kept.
 */
import type { KubeObject } from '../types.js';
import { invalidError, required, invalid, type FieldError } from '../validation/errors.js';

type Obj = Record<string, unknown>;

/** core/v1 name → events.k8s.io/v1 name, for the fields that are renamed. */
const RENAMED: readonly (readonly [string, string])[] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

function rename(obj: KubeObject, apiVersion: string, pairs: readonly (readonly [string, string])[]): KubeObject {
  const src = obj as unknown as Obj;
  const out: Obj = { ...src, apiVersion, kind: 'Event' };
  for (const [from, to] of pairs) {
    delete out[from];
    if (src[from] !== undefined) out[to] = src[from];
  }
  return out as unknown as KubeObject;
}

export function eventCoreToV1(ev: KubeObject): KubeObject {
  const out = rename(ev, 'events.k8s.io/v1', RENAMED) as unknown as Obj;
  // eventTime is always there in events.k8s.io/v1 (null when unset), as upstream serializes it.
  if (out['eventTime'] === undefined) out['eventTime'] = null;
  return out as unknown as KubeObject;
}

export function eventV1ToCore(ev: KubeObject): KubeObject {
  return rename(
    ev,
    'v1',
    RENAMED.map(([a, b]) => [b, a] as const),
  );
}

/** events.k8s.io/v1 field selector labels → the core/v1 ones they select by (upstream's field label conversion). */
export const EVENT_V1_FIELD_LABELS: Readonly<Record<string, string>> = {
  'metadata.name': 'metadata.name',
  'metadata.namespace': 'metadata.namespace',
  reason: 'reason',
  type: 'type',
  reportingController: 'reportingComponent',
  ...Object.fromEntries(
    ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [
      `regarding.${f}`,
      `involvedObject.${f}`,
    ]),
  ),
};

const NOTE_LIMIT = 1024;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * What upstream requires of an Event created through events.k8s.io/v1 (the strict validation of
 * "new" events): eventTime, reportingController, reportingInstance, action, reason, a type of
 * Normal or Warning, a note of at most 1 kB, and none of the deprecated fields.
 */
export function validateEventV1Create(ev: KubeObject): FieldError[] {
  const e = ev as unknown as Obj;
  const errs: FieldError[] = [];
  const str = (k: string): string => (typeof e[k] === 'string' ? (e[k] as string) : '');
  if (!e['eventTime']) errs.push(required('eventTime'));
  if (str('type') !== 'Normal' && str('type') !== 'Warning')
    errs.push(invalid('type', '', `has invalid value: ${str('type')}`));
  for (const k of ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedSource'])
    if (e[k] !== undefined && e[k] !== null && !(typeof e[k] === 'object' && Object.keys(e[k] as Obj).length === 0))
      errs.push(invalid(k, '', 'needs to be unset'));
  if (e['deprecatedCount'] !== undefined && e['deprecatedCount'] !== 0)
    errs.push(invalid('deprecatedCount', '', 'needs to be unset'));
  if (!str('reportingController')) errs.push(required('reportingController'));
  else if (!QUALIFIED_NAME.test(str('reportingController')))
    errs.push(
      invalid(
        'reportingController',
        str('reportingController'),
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
      ),
    );
  for (const k of ['reportingInstance', 'action', 'reason']) if (!str(k)) errs.push(required(k));
  if (str('note').length > NOTE_LIMIT) errs.push(invalid('note', '', `can have at most ${NOTE_LIMIT} characters`));
  return errs;
}

/** Throws the 422 upstream answers for an events.k8s.io/v1 Event that may not be created. */
export function assertEventV1Create(ev: KubeObject): void {
  const errs = validateEventV1Create(ev);
  if (errs.length)
    throw invalidError('Event', 'events.k8s.io', ev.metadata?.name ?? ev.metadata?.generateName ?? '', errs);
}
