/**
 * Everything the REST facade serves: the stored resources (RESOURCES) and the older versions some
 * are also served at (OLDER_VERSIONS, converted at this boundary by conversion.ts).
 */
import { OLDER_VERSIONS, RESOURCES, type ResourceInfo } from '@kubelab/api';

export const SERVED_RESOURCES: readonly ResourceInfo[] = [...RESOURCES, ...OLDER_VERSIONS];
