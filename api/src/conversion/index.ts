/**
 * Conversion between a resource's stored version and the older versions it is also served at
 * (OLDER_VERSIONS in resources.ts). The REST facade converts request bodies in and every object
 * it answers with out; storage, the registry and gRPC only ever see the stored version.
 */
import type { ResourceInfo } from '../resources.js';
import type { KubeObject } from '../types.js';
import { assertEventV1Create, eventCoreToV1, eventV1ToCore, EVENT_V1_FIELD_LABELS } from './events.js';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa.js';

export { HPA_ANNOTATIONS, hpaV1ToV2, hpaV2ToV1 } from './hpa.js';
export { eventCoreToV1, eventV1ToCore, EVENT_V1_FIELD_LABELS, validateEventV1Create } from './events.js';

interface Converter {
  toStored(obj: KubeObject): KubeObject;
  toServed(obj: KubeObject): KubeObject;
  /** Checks a create body in the served version (throws ApiError Invalid) before conversion. */
  validateCreate?(obj: KubeObject): void;
  /** Served field selector label → stored one; absent: the labels are the stored ones. */
  fieldLabels?: Readonly<Record<string, string>>;
}

const CONVERTERS: Record<string, Converter> = {
  'autoscaling/v1/horizontalpodautoscalers': { toStored: hpaV1ToV2, toServed: hpaV2ToV1 },
  'events.k8s.io/v1/events': {
    toStored: eventV1ToCore,
    toServed: eventCoreToV1,
    validateCreate: assertEventV1Create,
    fieldLabels: EVENT_V1_FIELD_LABELS,
  },
};

const keyOf = (info: ResourceInfo): string => `${info.group}/${info.version}/${info.resource}`;

/** The converter of a served older version (or other group); undefined for the stored version itself. */
export function converterFor(info: ResourceInfo): Converter | undefined {
  return CONVERTERS[keyOf(info)];
}
