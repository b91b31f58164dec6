/** OpenAPI v3 (JSON): the `/openapi/v3` index and one document per group-version. */
import { groupVersions } from '../discovery.js';
import { SERVED_VERSION } from '../version.js';
import { contentHash, gvKey, patchOperations, QUERY_PARAMS } from './operations.js';
import { componentSchemas } from './schemas.js';

const documents = new Map<string, Record<string, unknown>>();

/** The document of one group-version (built once: it only changes with the code). */
export function openapiV3Document(group: string, version: string): Record<string, unknown> {
  const key = gvKey(group, version);
  let doc = documents.get(key);
  if (!doc) {
    doc = buildDocument(group, version);
    documents.set(key, doc);
  }
  return doc;
}

function buildDocument(group: string, version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const ops = patchOperations({ group, version });
  for (const op of ops) {
    paths[op.path] = {
      patch: {
        'x-kubernetes-group-version-kind': op.gvk,
        'x-kubernetes-action': 'patch',
        parameters: QUERY_PARAMS.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVED_VERSION.gitVersion },
    paths,
    components: { schemas: componentSchemas(group, version, [...new Set(ops.map((op) => op.gvk.kind))]) },
  };
}

let index: Record<string, unknown> | undefined;

export function openapiV3Index(): Record<string, unknown> {
  if (index) return index;
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of groupVersions()) {
    const key = gvKey(group, version);
    const hash = contentHash(JSON.stringify(openapiV3Document(group, version)));
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  index = { paths };
  return index;
}

/** "api/v1" / "apis/apps/v1" (the path after /openapi/v3/) back to a group-version. */
export function parseV3Key(rest: string): { group: string; version: string } | undefined {
  const segs = rest.split('/').filter((s) => s.length > 0);
  if (segs[0] === 'api' && segs.length === 2) return { group: '', version: segs[1]! };
  if (segs[0] === 'apis' && segs.length === 3) return { group: segs[1]!, version: segs[2]! };
  return undefined;
}
