/**
 * Desired state of the proxy, computed from Services and Endpoints (pure): which cluster IPs the
 * interface must carry, which sockets must listen, and which backends each service port has.
 */
import type { Endpoints, Service, ServicePort } from '@kubelab/api';
import type { Backend } from './balancer.js';
import { cidrContains, isIPv4, type Cidr } from './cidr.js';

export type Protocol = 'TCP' | 'UDP';

export interface ListenerSpec {
  /** `${protocol}/${host}:${port}`: one socket per key. */
  key: string;
  protocol: Protocol;
  host: string;
  port: number;
  /** The service port whose pool serves this listener. */
  pool: string;
}

export interface DesiredState {
  /** Cluster IPs inside the service CIDR, to be carried as /32s by the interface. */
  addresses: Set<string>;
  listeners: Map<string, ListenerSpec>;
  /** Pool key (`ns/name:portName/protocol`) → ready backends. */
  pools: Map<string, Backend[]>;
  /** Things skipped, for the log: clashes and unusable fields. */
  warnings: string[];
}

export interface DesiredOptions {
  serviceCidr: Cidr;
  /** Where node ports listen; "0.0.0.0" in the lab, 127.0.0.1 in tests. */
  nodePortHost: string;
}

export function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
}

export function poolKey(svcKey: string, port: ServicePort): string {
  return `${svcKey}:${port.name ?? ''}/${port.protocol ?? 'TCP'}`;
}

export function listenerKey(protocol: Protocol, host: string, port: number): string {
  return `${protocol}/${host}:${port}`;
}

/** The usable cluster IP of a service, or undefined (headless, ExternalName, not yet allocated). */
export function clusterIPOf(svc: Service): string | undefined {
  if (svc.spec.type === 'ExternalName') return undefined;
  const ip = svc.spec.clusterIP;
  if (!ip || ip === 'None' || !isIPv4(ip)) return undefined;
  return ip;
}

function protocolOf(p: ServicePort): Protocol | undefined {
  const proto = p.protocol ?? 'TCP';
  return proto === 'TCP' || proto === 'UDP' ? proto : undefined;
}

/**
 * The backends of one service port: the ready addresses of every subset, with the subset's port
 * of the same name and protocol; when the service has a single port of this protocol and the
 * subset has a single port of it, that port is taken whatever its name.
 */
export function backendsFor(eps: Endpoints | undefined, svc: Service, port: ServicePort): Backend[] {
  if (!eps) return [];
  const proto = port.protocol ?? 'TCP';
  const name = port.name ?? '';
  const svcSameProto = (svc.spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === proto);
  const out: Backend[] = [];
  const seen = new Set<string>();
  for (const subset of eps.subsets ?? []) {
    const ports = (subset.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === proto);
    let target = ports.find((p) => (p.name ?? '') === name);
    if (!target && ports.length === 1 && svcSameProto.length === 1) target = ports[0];
    if (!target || !Number.isInteger(target.port) || target.port <= 0) continue;
    for (const a of subset.addresses ?? []) {
      if (!isIPv4(a.ip)) continue;
      const k = `${a.ip}:${target.port}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ ip: a.ip, port: target.port });
    }
  }
  return out;
}

/** Services are taken in key order, so that a clash is always settled the same way. */
export function computeDesired(services: Service[], endpointsOf: (key: string) => Endpoints | undefined, opts: DesiredOptions): DesiredState {
  const state: DesiredState = { addresses: new Set(), listeners: new Map(), pools: new Map(), warnings: [] };
  const sorted = [...services].sort((a, b) => (serviceKey(a) < serviceKey(b) ? -1 : serviceKey(a) > serviceKey(b) ? 1 : 0));
  for (const svc of sorted) {
    if (svc.spec.type === 'ExternalName') continue;
    const key = serviceKey(svc);
    const ip = clusterIPOf(svc);
    if (!ip && svc.spec.clusterIP && svc.spec.clusterIP !== 'None') state.warnings.push(`${key}: spec.clusterIP: ${svc.spec.clusterIP} is not an IPv4 address; skipped`);
    if (svc.spec.clusterIP === 'None') continue;
    const withNodePorts = svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer';
    if (ip && cidrContains(opts.serviceCidr, ip)) state.addresses.add(ip);
    const eps = endpointsOf(key);
    for (const [i, port] of (svc.spec.ports ?? []).entries()) {
      const protocol = protocolOf(port);
      if (!protocol) {
        state.warnings.push(`${key}: spec.ports[${i}].protocol: ${port.protocol} is not proxied; skipped`);
        continue;
      }
      const pool = poolKey(key, port);
      state.pools.set(pool, backendsFor(eps, svc, port));
      const want = (host: string, p: number | undefined, field: string): void => {
        if (!p || !Number.isInteger(p) || p <= 0 || p > 65535) return;
        const lk = listenerKey(protocol, host, p);
        const prev = state.listeners.get(lk);
        if (prev) {
          state.warnings.push(`${key}: ${field}: ${p}/${protocol} on ${host} is already used by ${prev.pool}; skipped`);
          return;
        }
        state.listeners.set(lk, { key: lk, protocol, host, port: p, pool });
      };
      if (ip) want(ip, port.port, `spec.ports[${i}].port`);
      if (withNodePorts) want(opts.nodePortHost, port.nodePort, `spec.ports[${i}].nodePort`);
    }
  }
  return state;
}
