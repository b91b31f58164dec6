/**
 * Conversion between a resource's stored version and the older versions it is also served at
 * (OLDER_VERSIONS in resources.ts). The REST facade converts request bodies in and every object
 * it answers with out; storage, the registry and gRPC only ever see the stored version.
 */
import type { ResourceInfo } from '../resources.js';
import type { KubeObject } from '../types.js';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa.js';

export { HPA_ANNOTATIONS, hpaV1ToV2, hpaV2ToV1 } from './hpa.js';

interface Converter {
  toStored(obj: KubeObject): KubeObject;
  toServed(obj: KubeObject): KubeObject;
}

const CONVERTERS: Record<string, Converter> = {
  'autoscaling/v1/horizontalpodautoscalers': { toStored: hpaV1ToV2, toServed: hpaV2ToV1 },
};

const keyOf = (info: ResourceInfo): string => `${info.group}/${info.version}/${info.resource}`;

/** The converter of a served older version; undefined for the stored version itself. */
export function converterFor(info: ResourceInfo): Converter | undefined {
  return CONVERTERS[keyOf(info)];
}
