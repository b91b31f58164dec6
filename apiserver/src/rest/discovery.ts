/**
 * Discovery documents, all derived from RESOURCES so that discovery lists exactly what is served:
 * legacy (APIVersions, APIGroupList, APIGroup, APIResourceList) and aggregated
 * (apidiscovery.k8s.io v2 / v2beta1 APIGroupDiscoveryList).
 */
import type { ResourceInfo } from '@kubelab/api';
import { DISCOVERED_RESOURCES, SERVED_RESOURCES } from './served.js';
import type { DiscoveryVersion } from './media.js';

/** Everything discovery lists: the stored resources, the metrics API and the review APIs. */
const SERVED = DISCOVERED_RESOURCES;

interface GroupVersion {
  group: string;
  version: string;
}

/** Group-versions in table order, core first; each named group listed once. */
export function groupVersions(): GroupVersion[] {
  const seen = new Set<string>();
  const out: GroupVersion[] = [];
  for (const r of SERVED_RESOURCES) {
    const k = `${r.group}/${r.version}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ group: r.group, version: r.version });
  }
  return out.sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : 0));
}

const gvString = (g: string, v: string): string => (g ? `${g}/${v}` : v);

function resourcesOf(group: string, version: string): ResourceInfo[] {
  return SERVED.filter((r) => r.group === group && r.version === version);
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: [...new Set(SERVED.filter((r) => r.group === '').map((r) => r.version))],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string): Record<string, unknown> {
  const versions = [...new Set(SERVED.filter((r) => r.group === group).map((r) => r.version))].map((v) => ({
    groupVersion: gvString(group, v),
    version: v,
  }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): Record<string, unknown> {
  const groups = [...new Set(SERVED.filter((r) => r.group !== '').map((r) => r.group))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
}

export function apiGroupDocument(group: string): Record<string, unknown> {
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
}

export function apiResourceList(group: string, version: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const r of resourcesOf(group, version)) {
    const row: Record<string, unknown> = {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    };
    if (r.shortNames.length) row['shortNames'] = r.shortNames;
    if (r.categories.length) row['categories'] = r.categories;
    resources.push(row);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = {
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
      };
      if (s.group !== undefined) sub['group'] = s.group;
      if (s.version !== undefined) sub['version'] = s.version;
      sub['kind'] = s.kind;
      sub['verbs'] = s.verbs;
      resources.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gvString(group, version), resources };
}

function discoveryResource(r: ResourceInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    resource: r.resource,
    responseKind: { group: '', version: '', kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length) out['shortNames'] = r.shortNames;
  if (r.categories.length) out['categories'] = r.categories;
  if (r.subresources.length) {
    out['subresources'] = r.subresources.map((s) => ({
      subresource: s.name,
      // An empty responseKind makes client-go drop the entry, so always fill the kind.
      responseKind: { group: s.group ?? '', version: s.version ?? '', kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return out;
}

function discoveryGroup(name: string): Record<string, unknown> {
  const versions = [...new Set(SERVED.filter((r) => r.group === name).map((r) => r.version))];
  return {
    metadata: { name, creationTimestamp: null },
    versions: versions.map((v) => ({
      version: v,
      resources: resourcesOf(name, v).map(discoveryResource),
      freshness: 'Current',
    })),
  };
}

/** The aggregated document for `/api` (core only) or `/apis` (every named group). */
export function aggregatedDiscovery(root: 'api' | 'apis', version: DiscoveryVersion): Record<string, unknown> {
  const names = root === 'api' ? [''] : [...new Set(SERVED.filter((r) => r.group !== '').map((r) => r.group))];
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: names.map(discoveryGroup),
  };
}

export function aggregatedContentType(version: DiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}
