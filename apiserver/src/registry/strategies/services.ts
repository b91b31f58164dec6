/**
 * Services: cluster IP and node port allocation (see ../allocator.ts), carried over on update
 * when the client left them empty, released when no longer needed or on delete.
 */
import {
  formatIPv4,
  invalidError,
  type FieldError,
  type KubeObject,
  type ServicePort,
  type ServiceSpec,
} from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { TxnOp } from '../../storage/store.js';
import { IP_KEY_PREFIX, PORT_KEY_PREFIX, allocated, inIPRange, pickFree } from '../allocator.js';
import type { Strategy, StrategyConfig } from '../strategy.js';

function specOf(svc: KubeObject | undefined): ServiceSpec {
  return (svc?.spec ?? {}) as ServiceSpec;
}

/** The ports that are objects: strategies run before validation, which reports the others (e.g. `ports: [null]`). */
function portsOf(spec: ServiceSpec): ServicePort[] {
  return Array.isArray(spec.ports) ? spec.ports.filter((p) => typeof p === 'object' && p !== null) : [];
}

const needsClusterIP = (svc: KubeObject | undefined): boolean => !!svc && specOf(svc).type !== 'ExternalName';

function needsNodePorts(svc: KubeObject | undefined): boolean {
  const spec = specOf(svc);
  return (
    !!svc &&
    (spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false))
  );
}

function clusterIPsOf(svc: KubeObject | undefined): Set<string> {
  if (!needsClusterIP(svc)) return new Set();
  const spec = specOf(svc);
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return new Set(ips.filter((ip) => ip && ip !== 'None'));
}

function nodePortsOf(svc: KubeObject | undefined): Set<number> {
  if (!needsNodePorts(svc)) return new Set();
  return new Set(
    portsOf(specOf(svc))
      .map((p) => p.nodePort ?? 0)
      .filter((n) => n > 0),
  );
}

function invalidField(svc: KubeObject, field: string, value: unknown, detail: string): ApiError {
  const e: FieldError = { type: 'FieldValueInvalid', field, value, hasValue: true, detail };
  return invalidError('Service', '', svc.metadata.name ?? '', [e]);
}

/** Fills what the client omitted on update from the stored service, and drops what the new type does not use. */
function patchAllocated(svc: KubeObject, old: KubeObject): void {
  const spec = specOf(svc);
  const prev = specOf(old);
  if (needsClusterIP(svc) && needsClusterIP(old) && !spec.clusterIP && !spec.clusterIPs?.length) {
    if (prev.clusterIP) spec.clusterIP = prev.clusterIP;
    if (prev.clusterIPs) spec.clusterIPs = [...prev.clusterIPs];
  }
  if (needsNodePorts(svc) && needsNodePorts(old)) {
    for (const p of portsOf(spec)) {
      if (p.nodePort) continue;
      const match = portsOf(prev).find(
        (o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP') && o.nodePort,
      );
      if (match) p.nodePort = match.nodePort;
    }
  }
  if (!needsNodePorts(svc))
    for (const p of portsOf(spec))
      if (p.nodePort && nodePortsOf(old).has(p.nodePort)) delete (p as Partial<ServicePort>).nodePort;
  if (!needsClusterIP(svc)) {
    for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy'])
      delete spec[k];
  }
  dropTypeDependentFields(spec, prev);
}

const externalType = (spec: ServiceSpec): boolean => spec.type === 'NodePort' || spec.type === 'LoadBalancer';

/**
 * As upstream: a field the old type needed and the new one does not is dropped when the client
 * left it as it was (a defaulted externalTrafficPolicy would otherwise make LoadBalancer → ClusterIP invalid).
 */
function dropTypeDependentFields(spec: ServiceSpec, prev: ServiceSpec): void {
  if (externalType(prev) && !externalType(spec) && spec.externalTrafficPolicy === prev.externalTrafficPolicy)
    delete spec.externalTrafficPolicy;
  if (prev.type !== 'LoadBalancer' || spec.type === 'LoadBalancer') return;
  for (const k of ['allocateLoadBalancerNodePorts', 'loadBalancerClass'] as const)
    if (spec[k] === prev[k]) delete spec[k];
}

export function serviceStrategy(cfg: StrategyConfig): Strategy {
  const { store, serviceRange: ips, nodePortRange: ports } = cfg;
  const random = cfg.random ?? Math.random;

  async function allocateIPs(svc: KubeObject, prev: Set<string>, ops: TxnOp[]): Promise<void> {
    const spec = specOf(svc);
    if (!spec.clusterIP && !spec.clusterIPs?.length) {
      const taken = await allocated(store, IP_KEY_PREFIX);
      // The first address is reserved for the `kubernetes` service.
      const n = pickFree(ips.first + 1, ips.last, (x) => taken.has(formatIPv4(x)), random);
      if (n === undefined)
        throw new ApiError('InternalError', 'Internal error occurred: failed to allocate a serviceIP: range is full');
      spec.clusterIP = formatIPv4(n);
      spec.clusterIPs = [spec.clusterIP];
      ops.push({ type: 'create', key: IP_KEY_PREFIX + spec.clusterIP, value: owner(svc) });
      return;
    }
    for (const ip of clusterIPsOf(svc)) {
      if (prev.has(ip)) continue;
      if (!inIPRange(ips, ip))
        throw invalidField(
          svc,
          'spec.clusterIPs',
          spec.clusterIPs ?? [ip],
          `failed to allocate IP ${ip}: provided IP (${ip}) is not in the valid range. The range of valid IPs is ${ips.cidr}`,
        );
      if (await store.get(IP_KEY_PREFIX + ip))
        throw invalidField(
          svc,
          'spec.clusterIPs',
          spec.clusterIPs ?? [ip],
          `failed to allocate IP ${ip}: provided IP is already allocated`,
        );
      ops.push({ type: 'create', key: IP_KEY_PREFIX + ip, value: owner(svc) });
    }
  }

  async function allocatePorts(svc: KubeObject, prev: Set<number>, ops: TxnOp[]): Promise<void> {
    const list = specOf(svc).ports ?? [];
    const mine = new Set<number>();
    for (const [i, p] of list.entries()) {
      const np = p.nodePort;
      if (!np) continue;
      if (prev.has(np) || mine.has(np)) {
        mine.add(np);
        continue;
      }
      if (np < ports.min || np > ports.max)
        throw invalidField(
          svc,
          `spec.ports[${i}].nodePort`,
          np,
          `provided port is not in the valid range. The range of valid ports is ${ports.min}-${ports.max}`,
        );
      if (await store.get(PORT_KEY_PREFIX + np))
        throw invalidField(svc, `spec.ports[${i}].nodePort`, np, 'provided port is already allocated');
      ops.push({ type: 'create', key: PORT_KEY_PREFIX + np, value: owner(svc) });
      mine.add(np);
    }
    let taken: Set<string> | undefined;
    for (const p of list) {
      if (p.nodePort) continue;
      taken ??= await allocated(store, PORT_KEY_PREFIX);
      const t = taken;
      const n = pickFree(ports.min, ports.max, (x) => t.has(String(x)) || mine.has(x) || prev.has(x), random);
      if (n === undefined)
        throw new ApiError('InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
      p.nodePort = n;
      mine.add(n);
      ops.push({ type: 'create', key: PORT_KEY_PREFIX + n, value: owner(svc) });
    }
  }

  return {
    prepareForCreate(svc: KubeObject): void {
      svc.status = { loadBalancer: {} };
    },
    prepareForUpdate: patchAllocated,
    async sideEffects(next, prev): Promise<TxnOp[]> {
      const ops: TxnOp[] = [];
      const prevIPs = clusterIPsOf(prev);
      const prevPorts = nodePortsOf(prev);
      if (next && needsClusterIP(next)) await allocateIPs(next, prevIPs, ops);
      if (next && needsNodePorts(next)) await allocatePorts(next, prevPorts, ops);
      const nextIPs = clusterIPsOf(next);
      const nextPorts = nodePortsOf(next);
      for (const ip of prevIPs) if (!nextIPs.has(ip)) ops.push({ type: 'delete', key: IP_KEY_PREFIX + ip });
      for (const np of prevPorts) if (!nextPorts.has(np)) ops.push({ type: 'delete', key: PORT_KEY_PREFIX + np });
      return ops;
    },
  };
}

function owner(svc: KubeObject): Buffer {
  return Buffer.from(`${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`);
}
