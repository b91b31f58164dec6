/**
 * The records one Service gives the zone (pure), after the Kubernetes DNS-based service discovery
 * spec (kubernetes/dns docs/specification.md) and CoreDNS's reading of it:
 * - `<svc>.<ns>.svc.<zone>` A → the ClusterIP; for a headless Service → every ready endpoint;
 *   CNAME → `spec.externalName` for an ExternalName Service.
 * - `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV for each named port: → the Service name and its
 *   port; for a headless Service one per ready endpoint, → its own name and the endpoint's port.
 * - `<hostname>.<svc>.<ns>.svc.<zone>` A for each ready endpoint (hostname: the endpoint's, else
 *   its address with dashes, as CoreDNS), and PTR for the ClusterIP and every ready endpoint.
 * Endpoints come from EndpointSlices; `conditions.ready` missing counts as ready (the API's rule).
 */
import { isIPv4, type EndpointSlice, type EndpointSliceEndpoint, type Service } from '@kubelab/api';
import { dashedIP } from './names.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

/** What one owner name holds. */
export interface NameRecords {
  a?: string[];
  srv?: SrvRecord[];
  cname?: string;
}

export interface Contribution {
  /** Owner name (canonical) → its records. */
  names: Map<string, NameRecords>;
  /** Names that exist only because names below them do (`<ns>.svc.<zone>`, `_tcp.<svc>...`). */
  ents: string[];
  /** Address → the names its PTR points to. */
  ptrs: [ip: string, target: string][];
}

export function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name ?? ''}`;
}

/** `ns/name` of the Service an EndpointSlice belongs to, from its kubernetes.io/service-name label. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? `${slice.metadata.namespace ?? 'default'}/${name}` : undefined;
}

export function isHeadless(svc: Service): boolean {
  return svc.spec.type !== 'ExternalName' && svc.spec.clusterIP === 'None';
}

/** The IPv4 ClusterIPs of a Service with one (none for headless and ExternalName Services). */
export function clusterIPv4s(svc: Service): string[] {
  if (svc.spec.type === 'ExternalName' || isHeadless(svc)) return [];
  const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter(isIPv4);
}

interface ReadyEndpoint {
  hostname: string;
  ip: string;
}

const isReady = (ep: EndpointSliceEndpoint): boolean => ep.conditions?.ready !== false;

/** Ready IPv4 endpoints of the Service's slices, each (hostname, address) once, in slice order. */
function readyEndpoints(svc: Service, slices: EndpointSlice[]): ReadyEndpoint[] {
  const all = svc.spec['publishNotReadyAddresses'] === true;
  const out: ReadyEndpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    for (const ep of slice.endpoints ?? []) {
      if (!all && !isReady(ep)) continue;
      for (const ip of ep.addresses ?? []) {
        if (!isIPv4(ip)) continue;
        const hostname = (ep.hostname || dashedIP(ip)).toLowerCase();
        const key = `${hostname}/${ip}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ hostname, ip });
      }
    }
  }
  return out;
}

const protoLabel = (p: string | undefined): string => `_${(p ?? 'TCP').toLowerCase()}`;

/** Spreads 100 over the records of one owner name, as CoreDNS weighs SRV records. */
function weigh(srv: Map<string, SrvRecord[]>): void {
  for (const list of srv.values()) {
    const w = Math.max(1, Math.floor(100 / list.length));
    for (const r of list) r.weight = w;
  }
}

export function serviceRecords(svc: Service, slices: EndpointSlice[], zone: string): Contribution {
  const ns = (svc.metadata.namespace ?? 'default').toLowerCase();
  const base = `${(svc.metadata.name ?? '').toLowerCase()}.${ns}.svc.${zone}`;
  const out: Contribution = { names: new Map(), ents: [`${ns}.svc.${zone}`], ptrs: [] };
  const put = (name: string): NameRecords => {
    let r = out.names.get(name);
    if (!r) out.names.set(name, (r = {}));
    return r;
  };
  if (svc.spec.type === 'ExternalName') {
    const target = (svc.spec.externalName ?? '').toLowerCase().replace(/\.$/, '');
    if (target) put(base).cname = target;
    return out;
  }
  const endpoints = readyEndpoints(svc, slices);
  for (const ep of endpoints) {
    const name = `${ep.hostname}.${base}`;
    const r = put(name);
    (r.a ??= []).includes(ep.ip) || r.a.push(ep.ip);
    out.ptrs.push([ep.ip, name]);
  }
  const srv = new Map<string, SrvRecord[]>();
  const addSrv = (port: string, proto: string | undefined, rec: SrvRecord): void => {
    const owner = `_${port.toLowerCase()}.${protoLabel(proto)}.${base}`;
    let list = srv.get(owner);
    if (!list) {
      srv.set(owner, (list = []));
      out.ents.push(`${protoLabel(proto)}.${base}`);
    }
    if (!list.some((x) => x.target === rec.target && x.port === rec.port)) list.push(rec);
  };
  if (isHeadless(svc)) {
    const ips = [...new Set(endpoints.map((e) => e.ip))];
    if (ips.length) put(base).a = ips;
    for (const slice of slices) {
      if (slice.addressType !== 'IPv4') continue;
      const here = new Set(readyEndpoints(svc, [slice]).map((e) => `${e.hostname}.${base}`));
      for (const p of slice.ports ?? []) {
        if (!p.name || !p.port) continue;
        for (const target of here) addSrv(p.name, p.protocol, { priority: 0, weight: 0, port: p.port, target });
      }
    }
  } else {
    const ips = clusterIPv4s(svc);
    if (ips.length) {
      put(base).a = ips;
      for (const ip of ips) out.ptrs.push([ip, base]);
      for (const p of svc.spec.ports ?? [])
        if (p.name && p.port) addSrv(p.name, p.protocol, { priority: 0, weight: 0, port: p.port, target: base });
    }
  }
  weigh(srv);
  for (const [owner, list] of srv) put(owner).srv = list;
  out.ents = [...new Set(out.ents)];
  return out;
}
