/**
 * Checks on request bodies against the URL they were sent to, and the type metadata of
 * responses (kind/apiVersion on objects, List envelopes).
 */
import { apiVersionOf, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { ResourceRoute } from '../paths.js';

export function withTypeMeta(obj: KubeObject, info: ResourceInfo): KubeObject {
  if (obj.apiVersion === apiVersionOf(info) && obj.kind === info.kind) return obj;
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return { apiVersion: apiVersionOf(info), kind: info.kind, ...rest } as KubeObject;
}

/**
 * The JSON of withTypeMeta(obj, info), remembered per object: for the watch cache's shared objects
 * (GetOptions.shared), which are never changed once cached (an object per key and resourceVersion),
 * each version is serialized once however often it is read. Other objects are garbage with their entry.
 */
const jsonMemo = new WeakMap<KubeObject, { apiVersion: string; kind: string; json: Buffer }>();

export function typedJson(obj: KubeObject, info: ResourceInfo): Buffer {
  const apiVersion = apiVersionOf(info);
  const hit = jsonMemo.get(obj);
  if (hit && hit.apiVersion === apiVersion && hit.kind === info.kind) return hit.json;
  const json = Buffer.from(JSON.stringify(withTypeMeta(obj, info)), 'utf8');
  jsonMemo.set(obj, { apiVersion, kind: info.kind, json });
  return json;
}

export function listOf(
  info: ResourceInfo,
  items: KubeObject[],
  resourceVersion: string,
  cont?: string,
): Record<string, unknown> {
  const metadata: Record<string, string> = { resourceVersion };
  if (cont) metadata['continue'] = cont;
  return {
    apiVersion: apiVersionOf(info),
    kind: info.listKind,
    metadata,
    items: items.map((i) => withTypeMeta(i, info)),
  };
}

/** Checks the body's apiVersion/kind (when given) against what the URL addresses. */
export function checkTypeMeta(body: Record<string, unknown>, apiVersion: string, kind: string): void {
  const av = body['apiVersion'];
  if (av !== undefined && av !== '' && av !== apiVersion) {
    throw new ApiError(
      'BadRequest',
      `the API version in the data (${String(av)}) does not match the expected API version (${apiVersion})`,
    );
  }
  const k = body['kind'];
  if (k !== undefined && k !== '' && k !== kind) {
    throw new ApiError(
      'BadRequest',
      `the kind in the data (${String(k)}) does not match the expected kind (${kind}) for this URL`,
    );
  }
}

/**
 * Turns a decoded body into the object to write to `route`: it must be a JSON object of the
 * route's kind; namespace and name are checked against the URL and filled in when missing.
 */
export function objectForRoute(body: unknown, route: ResourceRoute): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError('BadRequest', `error decoding body: expected a ${route.info.kind} object`);
  }
  const b = body as Record<string, unknown>;
  checkTypeMeta(b, apiVersionOf(route.info), route.info.kind);
  const rawMeta = b['metadata'];
  if (rawMeta !== undefined && rawMeta !== null && (typeof rawMeta !== 'object' || Array.isArray(rawMeta))) {
    throw new ApiError('BadRequest', 'error decoding body: metadata must be an object');
  }
  const metadata = { ...((rawMeta ?? {}) as Record<string, unknown>) };
  if (route.info.namespaced) {
    const ns = metadata['namespace'];
    if (ns !== undefined && ns !== '' && ns !== route.namespace) {
      throw new ApiError(
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    metadata['namespace'] = route.namespace;
  } else {
    delete metadata['namespace'];
  }
  if (route.name !== undefined) {
    const name = metadata['name'];
    if (name !== undefined && name !== '' && name !== route.name) {
      throw new ApiError(
        'BadRequest',
        `the name of the object (${String(name)}) does not match the name on the URL (${route.name})`,
      );
    }
    metadata['name'] = route.name;
  }
  return { ...b, apiVersion: apiVersionOf(route.info), kind: route.info.kind, metadata } as KubeObject;
}
