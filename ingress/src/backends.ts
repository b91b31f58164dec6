/**
 * Where an Ingress backend's requests go: like ingress-nginx, straight to the ready endpoints of
 * the Service port (from its EndpointSlices), round-robin, not through the ClusterIP. A service
 * port is named by number (spec.ports[].port) or by name; the endpoint port is the slice port of
 * the same name.
 */
import type { EndpointSlice, Service } from '@kubelab/api';
import type { BackendRef } from './routes.js';

export interface Endpoint {
  ip: string;
  port: number;
}

export interface Lookup {
  service(key: string): Service | undefined;
  slices(svcKey: string): EndpointSlice[];
}

export type Resolved = { endpoints: Endpoint[] } | { missing: string };

export function resolve(ref: BackendRef, lookup: Lookup): Resolved {
  const key = `${ref.namespace}/${ref.service}`;
  const svc = lookup.service(key);
  if (!svc) return { missing: `service ${key} not found` };
  const sp = (svc.spec.ports ?? []).find(
    (p) =>
      (typeof ref.port === 'number' ? p.port === ref.port : p.name === ref.port) && (p.protocol ?? 'TCP') === 'TCP',
  );
  if (!sp) return { missing: `service ${key} has no port ${ref.port}` };
  const out: Endpoint[] = [];
  for (const slice of lookup.slices(key)) {
    if (slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find(
      (p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === 'TCP',
    )?.port;
    if (!port) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses[0];
      if (ip && ep.conditions?.ready !== false) out.push({ ip, port });
    }
  }
  out.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
  return { endpoints: out };
}

/** Round-robin cursors per backend reference. */
export class Picker {
  private readonly cursors = new Map<string, number>();

  pick(ref: BackendRef, endpoints: Endpoint[]): Endpoint | undefined {
    if (endpoints.length === 0) return undefined;
    const k = `${ref.namespace}/${ref.service}:${ref.port}`;
    const i = this.cursors.get(k) ?? 0;
    this.cursors.set(k, (i + 1) % 1_000_000);
    return endpoints[i % endpoints.length];
  }
}

/** Slices by the Service they belong to (label kubernetes.io/service-name). */
export class SlicesByService {
  private readonly m = new Map<string, Map<string, EndpointSlice>>();

  private static svcOf(s: EndpointSlice): string | undefined {
    const n = s.metadata.labels?.['kubernetes.io/service-name'];
    return n ? `${s.metadata.namespace ?? ''}/${n}` : undefined;
  }

  put(s: EndpointSlice, old?: EndpointSlice): void {
    if (old) this.remove(old);
    const svc = SlicesByService.svcOf(s);
    if (!svc) return;
    let m = this.m.get(svc);
    if (!m) this.m.set(svc, (m = new Map()));
    m.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
  }

  remove(s: EndpointSlice): void {
    const svc = SlicesByService.svcOf(s);
    const m = svc ? this.m.get(svc) : undefined;
    m?.delete(`${s.metadata.namespace}/${s.metadata.name}`);
    if (svc && m && m.size === 0) this.m.delete(svc);
  }

  of(svcKey: string): EndpointSlice[] {
    return [...(this.m.get(svcKey)?.values() ?? [])];
  }
}
