/**
 * Desired state of one Service (pure): which addresses kube-proxy's interface must carry for it,
 * which sockets must listen, and the backends and policy of each of its pools. Computing one
 * Service at a time keeps the cost of a change independent of how many Services there are.
 */
import { cidrContains, isIPv4, type Cidr, type EndpointSlice, type Service, type ServicePort } from '@kubelab/api';
import type { Backend } from './balancer.js';
import type { PoolPolicy } from './pool.js';
import { backendsFromSlices } from './slices.js';

export type Protocol = 'TCP' | 'UDP';

export interface ListenerSpec {
  /** `${protocol}/${host}:${port}`: one socket per key. */
  key: string;
  protocol: Protocol;
  host: string;
  port: number;
  /** The pool that serves this listener. */
  pool: string;
}

export interface PoolSpec {
  backends: Backend[];
  policy: PoolPolicy;
}

export interface ServiceDesired {
  /** Cluster IPs inside the service CIDR and load-balancer IPs inside the pool, as /32s. */
  addresses: string[];
  listeners: ListenerSpec[];
  /** Pool key (`ns/name:portName/protocol`, `…@external` for node ports and LB IPs when it differs) → spec. */
  pools: Map<string, PoolSpec>;
  /** Things skipped, for the log. */
  warnings: string[];
}

export interface DesiredOptions {
  serviceCidr: Cidr;
  /** Load-balancer IPs kube-proxy may bind (KUBELAB_LB_POOL); undefined: none. */
  lbPool?: Cidr;
  /** Where node ports listen; "0.0.0.0" in the lab, 127.0.0.1 in tests. */
  nodePortHost: string;
}

/** Upstream's default for sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_SECONDS = 10_800;

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

/** The load-balancer IPs in status.loadBalancer.ingress that lie in the pool. */
export function loadBalancerIPs(svc: Service, pool: Cidr | undefined): string[] {
  if (svc.spec.type !== 'LoadBalancer' || !pool) return [];
  const ips = (svc.status?.loadBalancer?.ingress ?? [])
    .map((i) => i.ip)
    .filter((ip): ip is string => !!ip && isIPv4(ip));
  return [...new Set(ips.filter((ip) => cidrContains(pool, ip)))];
}

function affinityOf(svc: Service): number | undefined {
  if (svc.spec.sessionAffinity !== 'ClientIP') return undefined;
  const cfg = svc.spec['sessionAffinityConfig'] as { clientIP?: { timeoutSeconds?: number } } | undefined;
  const t = cfg?.clientIP?.timeoutSeconds;
  return typeof t === 'number' && Number.isInteger(t) && t > 0 ? t : DEFAULT_AFFINITY_SECONDS;
}

export function desiredFor(svc: Service | undefined, slices: EndpointSlice[], opts: DesiredOptions): ServiceDesired {
  const out: ServiceDesired = { addresses: [], listeners: [], pools: new Map(), warnings: [] };
  if (!svc || svc.spec.type === 'ExternalName' || svc.spec.clusterIP === 'None') return out;
  const key = serviceKey(svc);
  const ip = clusterIPOf(svc);
  if (!ip && svc.spec.clusterIP)
    out.warnings.push(`${key}: spec.clusterIP: ${svc.spec.clusterIP} is not an IPv4 address; skipped`);
  if (ip && cidrContains(opts.serviceCidr, ip)) out.addresses.push(ip);
  const lbIPs = loadBalancerIPs(svc, opts.lbPool);
  out.addresses.push(...lbIPs);
  const withNodePorts = svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer';
  const affinitySeconds = affinityOf(svc);
  const internalLocal = svc.spec['internalTrafficPolicy'] === 'Local';
  const seen = new Set<string>();
  for (const [i, port] of (svc.spec.ports ?? []).entries()) {
    const protocol = port.protocol ?? 'TCP';
    if (protocol !== 'TCP' && protocol !== 'UDP') {
      out.warnings.push(`${key}: spec.ports[${i}].protocol: ${protocol} is not proxied; skipped`);
      continue;
    }
    const backends = backendsFromSlices(slices, port);
    const internal = poolKey(key, port);
    out.pools.set(internal, { backends, policy: { affinitySeconds, local: internalLocal } });
    // External traffic enters through the one kube-proxy that stands for every node, so every
    // ready endpoint is local to the node it enters on (see README, "Services").
    let external = internal;
    if (internalLocal) {
      external = `${internal}@external`;
      out.pools.set(external, { backends, policy: { affinitySeconds } });
    }
    const want = (host: string, p: number | undefined, pool: string, field: string): void => {
      if (!p || !Number.isInteger(p) || p <= 0 || p > 65535) return;
      const lk = listenerKey(protocol, host, p);
      if (seen.has(lk)) {
        out.warnings.push(`${key}: ${field}: ${p}/${protocol} on ${host} is used twice; skipped`);
        return;
      }
      seen.add(lk);
      out.listeners.push({ key: lk, protocol, host, port: p, pool });
    };
    if (ip) want(ip, port.port, internal, `spec.ports[${i}].port`);
    for (const lb of lbIPs) want(lb, port.port, external, `spec.ports[${i}].port`);
    if (withNodePorts) want(opts.nodePortHost, port.nodePort, external, `spec.ports[${i}].nodePort`);
  }
  return out;
}
