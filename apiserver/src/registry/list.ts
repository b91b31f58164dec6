/**
 * List with label/field selectors and limit/continue. The continue token (opaque base64 JSON,
 * shaped like upstream's) holds the next key and the revision of the first page, and later pages
 * are read at that revision so that a paginated list is one consistent snapshot.
 */
import { ApiError, badRequest } from '@kubelab/proto';
import { matches, matchesFields, parseFieldSelector, parseLabelSelector, storagePrefix, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { Core } from './core.js';
import type { ListPage, ListQuery } from './types.js';

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, start: string): string {
  const t: ContinueToken = { v: 'meta.k8s.io/v1', rv, start };
  return Buffer.from(JSON.stringify(t)).toString('base64');
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Partial<ContinueToken>;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string' || t.start.startsWith('/')) throw new Error('bad token');
    return t as ContinueToken;
  } catch {
    throw badRequest('continue key is not valid: the continue token is malformed');
  }
}

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export type Matcher = (obj: KubeObject) => boolean;

export function matcher(q: { labelSelector?: string; fieldSelector?: string }): Matcher {
  const labels = parseLabelSelector(q.labelSelector);
  const fields = parseFieldSelector(q.fieldSelector);
  return (obj) => matches(labels, obj.metadata?.labels) && matchesFields(fields, obj);
}

export async function listObjects(core: Core, info: ResourceInfo, q: ListQuery): Promise<ListPage> {
  const ns = core.ns(info, q.namespace);
  const prefix = core.prefix(info, ns);
  const match = matcher(q);
  const limit = q.limit && q.limit > 0 ? Math.floor(q.limit) : 0;
  let startKey = prefix;
  let revision: number | undefined;
  if (q.continue) {
    const t = decodeContinue(q.continue);
    startKey = storagePrefix(info) + t.start;
    if (!startKey.startsWith(prefix)) throw badRequest('continue key is not valid: the continue token does not belong to this list');
    revision = t.rv;
  }
  const items: KubeObject[] = [];
  let next: string | undefined;
  try {
    for (;;) {
      const res = await core.store.list(prefix, { startKey, revision, limit });
      revision ??= res.revision;
      let i = 0;
      for (; i < res.kvs.length && !(limit && items.length >= limit); i++) {
        const obj = core.decodeKv(res.kvs[i]!);
        if (match(obj)) items.push(obj);
      }
      const last = res.kvs[i - 1];
      if (limit && items.length >= limit) {
        if (i < res.kvs.length || res.more) next = `${last!.key}\0`;
        break;
      }
      if (!res.more || !last) break;
      startKey = `${last.key}\0`;
    }
  } catch (err) {
    if (q.continue && err instanceof ApiError && err.reason === 'Expired') throw new ApiError('Expired', CONTINUE_EXPIRED);
    throw err;
  }
  return {
    items,
    resourceVersion: String(revision),
    continue: next ? encodeContinue(revision!, next.slice(storagePrefix(info).length)) : '',
  };
}

/** Every matching object and the revision they were read at (for a watch's initial state). */
export async function listAll(core: Core, info: ResourceInfo, namespace: string, match: Matcher): Promise<{ items: KubeObject[]; revision: number }> {
  const res = await core.store.list(core.prefix(info, core.ns(info, namespace)));
  return { items: res.kvs.map((kv) => core.decodeKv(kv)).filter(match), revision: res.revision };
}
