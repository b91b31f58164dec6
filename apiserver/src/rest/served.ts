/**
 * Everything the REST facade serves: the stored resources (RESOURCES) and the older versions some
 * are also served at (OLDER_VERSIONS, converted at this boundary by conversion.ts); and what
 * discovery lists besides them: the metrics API (from kubelet stats) and the review APIs (answered,
 * not stored), each with its own handler.
 */
import { OLDER_VERSIONS, RESOURCES, type ResourceInfo } from '@kubelab/api';
import { REVIEW_RESOURCES } from './handlers/review-resources.js';
import { METRICS_RESOURCES } from './metrics/resources.js';

export const SERVED_RESOURCES: readonly ResourceInfo[] = [...RESOURCES, ...OLDER_VERSIONS];

export const DISCOVERED_RESOURCES: readonly ResourceInfo[] = [
  ...SERVED_RESOURCES,
  ...METRICS_RESOURCES,
  ...REVIEW_RESOURCES,
];
