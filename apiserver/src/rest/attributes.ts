/**
 * The authorization attributes of a REST request, parsed from its method and URL as upstream's
 * RequestInfoFactory does (from the URL's shape alone, whether or not the resource is served):
 * /api/<v>/... and /apis/<g>/<v>/... with namespaces/<ns>/ are resource requests, anything else
 * (discovery documents, /version, /healthz, /openapi, /metrics) a non-resource path.
 * Exec, attach and port-forward are `create` on their subresource whatever the method (the
 * upgrade of GET WebSocket requests is authorized as create upstream too); list with watch=true
 * is `watch`; a name-less delete is `deletecollection`.
 */
import { type Attributes, pathAttributes, resourceAttributes } from '../auth/attributes.js';
import type { UserInfo } from '../auth/user.js';
import { isWatch } from './query.js';

const VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const STREAMS = new Set(['exec', 'attach', 'portforward']);

function segments(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

export function requestAttributes(user: UserInfo, method: string, url: URL): Attributes {
  const m = method.toUpperCase();
  const nonResource = (): Attributes => pathAttributes(user, m === 'HEAD' ? 'get' : m.toLowerCase(), url.pathname);
  const parts = segments(url.pathname);
  if (!parts || (parts[0] !== 'api' && parts[0] !== 'apis')) return nonResource();
  const grouped = parts[0] === 'apis';
  const minimum = grouped ? 4 : 3;
  if (parts.length < minimum) return nonResource();
  const apiGroup = grouped ? parts[1]! : '';
  const apiVersion = grouped ? parts[2]! : parts[1]!;
  let rest = parts.slice(grouped ? 3 : 2);
  let verb = VERBS[m] ?? '';
  if (rest[0] === 'watch') {
    verb = 'watch';
    rest = rest.slice(1);
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource = '', name = '', subresource = ''] = rest;
  let named = name;
  if (!name && verb === 'get') {
    verb = isWatch(url.searchParams) ? 'watch' : 'list';
    // A list or watch of one object by name is authorized as that object (upstream since 1.x).
    const one = /^metadata\.name==?([^,=!]+)$/.exec(url.searchParams.get('fieldSelector') ?? '');
    if (one) named = one[1]!;
  }
  if (!name && verb === 'delete') verb = 'deletecollection';
  if (resource === 'pods' && STREAMS.has(subresource)) verb = 'create';
  return resourceAttributes(user, verb, { apiGroup, apiVersion, resource, subresource, namespace, name: named });
}
