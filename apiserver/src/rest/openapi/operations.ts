/**
 * The minimal OpenAPI surface kubectl needs: one PATCH operation per resource, tagged with its
 * group-version-kind and declaring the `fieldValidation` query parameter. That tells kubectl's
 * query-param verifier the server validates fields itself, so `apply`/`create -f` skip client-side
 * schema validation. The v3 documents also carry the kinds' schemas (schemas.ts) for `kubectl
 * explain`; the PATCH operations declare no request body, so kubectl's client-side apply computes
 * its strategic merge patches from its own built-in types, not from these schemas, and v2 publishes
 * no definitions for the same reason.
 */
import { createHash } from 'node:crypto';
import type { ResourceInfo } from '@kubelab/api';
import { SERVED_RESOURCES } from '../served.js';

export interface PatchOperation {
  /** "/apis/apps/v1/namespaces/{namespace}/deployments/{name}" */
  path: string;
  gvk: { group: string; version: string; kind: string };
}

export const QUERY_PARAMS = ['fieldValidation', 'fieldManager', 'dryRun'] as const;

/** "api/v1" or "apis/apps/v1": the key of a group-version in the OpenAPI v3 index. */
export function gvKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function operationFor(r: ResourceInfo): PatchOperation {
  const ns = r.namespaced ? '/namespaces/{namespace}' : '';
  return {
    path: `/${gvKey(r.group, r.version)}${ns}/${r.resource}/{name}`,
    gvk: { group: r.group, version: r.version, kind: r.kind },
  };
}

export function patchOperations(filter?: { group: string; version: string }): PatchOperation[] {
  return SERVED_RESOURCES.filter((r) => !filter || (r.group === filter.group && r.version === filter.version)).map(
    operationFor,
  );
}

export function contentHash(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32).toUpperCase();
}
