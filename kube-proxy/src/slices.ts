/**
 * EndpointSlices by Service, and the backends of one service port from them (pure). Like
 * upstream's kube-proxy: only endpoints whose `conditions.ready` is true (or unset) count, so a
 * pod failing readiness or terminating gets no new connections; the port is looked up per slice
 * by the service port's name and protocol, so a named `targetPort` that resolves to different
 * numbers on different pods works.
 */
import { isIPv4, type EndpointSlice, type ServicePort } from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { Backend } from './balancer.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** `ns/name` of the Service a slice belongs to, or undefined. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? `${slice.metadata.namespace ?? ''}/${name}` : undefined;
}

/** Slices grouped by service key, kept up to date from informer events. */
export class SliceIndex {
  private readonly bySvc = new Map<string, Map<string, EndpointSlice>>();

  /** Upserts a slice; returns the service keys whose slices changed. */
  put(slice: EndpointSlice, old?: EndpointSlice): string[] {
    const key = objectKey(slice);
    const touched = new Set<string>();
    const prev = old ? sliceServiceKey(old) : undefined;
    const next = sliceServiceKey(slice);
    if (prev && prev !== next) {
      this.drop(prev, key);
      touched.add(prev);
    }
    if (next) {
      let m = this.bySvc.get(next);
      if (!m) this.bySvc.set(next, (m = new Map()));
      m.set(key, slice);
      touched.add(next);
    }
    return [...touched];
  }

  remove(slice: EndpointSlice): string[] {
    const svc = sliceServiceKey(slice);
    if (!svc) return [];
    this.drop(svc, objectKey(slice));
    return [svc];
  }

  of(svcKey: string): EndpointSlice[] {
    return [...(this.bySvc.get(svcKey)?.values() ?? [])];
  }

  private drop(svcKey: string, sliceKey: string): void {
    const m = this.bySvc.get(svcKey);
    m?.delete(sliceKey);
    if (m && m.size === 0) this.bySvc.delete(svcKey);
  }
}

/** Ready IPv4 backends of one service port, deduplicated, in a stable order (by slice name, then as listed). */
export function backendsFromSlices(slices: EndpointSlice[], port: ServicePort): Backend[] {
  const proto = port.protocol ?? 'TCP';
  const name = port.name ?? '';
  const out: Backend[] = [];
  const seen = new Set<string>();
  const sorted = [...slices].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const slice of sorted) {
    if (slice.addressType !== 'IPv4') continue;
    const target = (slice.ports ?? []).find((p) => (p.name ?? '') === name && (p.protocol ?? 'TCP') === proto);
    const num = target?.port;
    if (!num || !Number.isInteger(num) || num <= 0 || num > 65535) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      const ip = ep.addresses[0];
      if (!ip || !isIPv4(ip)) continue;
      const k = `${ip}:${num}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(ep.nodeName ? { ip, port: num, nodeName: ep.nodeName } : { ip, port: num });
    }
  }
  return out;
}
