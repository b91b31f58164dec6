/**
 * URL paths of the Kubernetes REST API, parsed into what they address:
 *
 *   /api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>                 discovery
 *   /api/v1/<res>[/<name>[/<sub>]]                                 cluster-scoped, or all namespaces
 *   /api/v1/namespaces/<ns>/<res>[/<name>[/<sub>]]                 namespaced
 *   /apis/<g>/<v>/...                                              the same for named groups
 */
import type { ResourceInfo } from '@kubelab/api';
import { DISCOVERED_RESOURCES, SERVED_RESOURCES } from './served.js';

export type ParsedPath =
  | { kind: 'apiVersions' }
  | { kind: 'groupList' }
  | { kind: 'group'; group: string }
  | { kind: 'resourceList'; group: string; version: string }
  | { kind: 'resource'; route: ResourceRoute }
  | { kind: 'unknown' };

export interface ResourceRoute {
  info: ResourceInfo;
  /** "" for cluster-scoped resources and for lists across all namespaces. */
  namespace: string;
  name?: string;
  subresource?: string;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return SERVED_RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function servesGroupVersion(group: string, version: string): boolean {
  return SERVED_RESOURCES.some((r) => r.group === group && r.version === version);
}

/** A group-version discovery lists (its APIGroup and APIResourceList documents are served). */
function discoversGroupVersion(group: string, version: string): boolean {
  return DISCOVERED_RESOURCES.some((r) => r.group === group && r.version === version);
}

function resourceRoute(group: string, version: string, rest: string[]): ParsedPath {
  const unknown: ParsedPath = { kind: 'unknown' };
  const [first, second, third] = rest;
  if (first === undefined) return unknown;
  const checked = (r: ResourceRoute): ParsedPath =>
    r.subresource === undefined || r.info.subresources.some((s) => s.name === r.subresource)
      ? { kind: 'resource', route: r }
      : unknown;
  // namespaces/<ns>/<res>...: only when the third segment is a namespaced resource of this group-version.
  if (first === 'namespaces' && second !== undefined && third !== undefined) {
    const info = findResource(group, version, third);
    if (info?.namespaced) {
      if (rest.length > 6) return unknown;
      return checked(withNameSub(info, second, rest[3], rest[4]));
    }
  }
  const info = findResource(group, version, first);
  if (!info) return unknown;
  if (rest.length > 3) return unknown;
  if (info.namespaced) {
    // A namespaced resource without a namespace: only the collection (all namespaces).
    if (rest.length > 1) return unknown;
    return { kind: 'resource', route: { info, namespace: '' } };
  }
  return checked(withNameSub(info, '', second, third));
}

function withNameSub(
  info: ResourceInfo,
  namespace: string,
  name: string | undefined,
  sub: string | undefined,
): ResourceRoute {
  const r: ResourceRoute = { info, namespace };
  if (name !== undefined) r.name = name;
  if (sub !== undefined) r.subresource = sub;
  return r;
}

export function parsePath(pathname: string): ParsedPath {
  const trimmed = pathname.replace(/\/+$/, '');
  let segs: string[];
  try {
    segs = trimmed
      .split('/')
      .slice(1)
      .map((s) => decodeURIComponent(s));
  } catch {
    return { kind: 'unknown' };
  }
  if (segs.some((s) => s === '')) return { kind: 'unknown' };
  if (segs[0] === 'api') {
    if (segs.length === 1) return { kind: 'apiVersions' };
    const version = segs[1]!;
    if (!servesGroupVersion('', version)) return { kind: 'unknown' };
    if (segs.length === 2) return { kind: 'resourceList', group: '', version };
    return resourceRoute('', version, segs.slice(2));
  }
  if (segs[0] === 'apis') {
    if (segs.length === 1) return { kind: 'groupList' };
    const group = segs[1]!;
    if (!DISCOVERED_RESOURCES.some((r) => r.group === group) || group === '') return { kind: 'unknown' };
    if (segs.length === 2) return { kind: 'group', group };
    const version = segs[2]!;
    if (!discoversGroupVersion(group, version)) return { kind: 'unknown' };
    if (segs.length === 3) return { kind: 'resourceList', group, version };
    if (!servesGroupVersion(group, version)) return { kind: 'unknown' };
    return resourceRoute(group, version, segs.slice(3));
  }
  return { kind: 'unknown' };
}
