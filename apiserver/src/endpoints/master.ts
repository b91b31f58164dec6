/**
 * The endpoints of the `kubernetes` Service (upstream's lease endpoint reconciler): each apiserver
 * renews a Lease in kube-system naming its advertise address, and writes the Endpoints and
 * EndpointSlice `default/kubernetes` with the addresses of every apiserver whose lease is current
 * and the HTTPS port, so that pods reach the API at KUBERNETES_SERVICE_HOST:443 (kube-proxy forwards
 * the ClusterIP as for any Service). On shutdown it drops its lease and its address.
 */
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { cidrContains, parseCidr, type Clock, type KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { Registry } from '../registry/types.js';

export const ENDPOINT_LEASE_LABEL = 'kubelab.io/apiserver-endpoint';
const NS = 'default';
const NAME = 'kubernetes';
const LEASE_SECONDS = 15;
const RENEW_MS = 5_000;

/** The first IPv4 address of this host inside cidr (the lab network), else undefined. */
export function advertiseAddress(cidr: string, ifaces = networkInterfaces()): string | undefined {
  const c = parseCidr(cidr);
  if (!c)
    throw new Error(`KUBELAB_ADVERTISE_CIDR: Invalid value: "${cidr}": must be an IPv4 CIDR such as 10.244.0.0/16`);
  for (const list of Object.values(ifaces))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal && cidrContains(c, a.address)) return a.address;
  return undefined;
}

const leaseName = (ip: string): string => `kube-apiserver-endpoint-${ip.replace(/\./g, '-')}`;
const micro = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

async function upsert(
  registry: Registry,
  resource: string,
  namespace: string,
  obj: KubeObject,
  same: (cur: KubeObject) => boolean,
): Promise<void> {
  try {
    const cur = await registry.get(resource, namespace, obj.metadata.name ?? '');
    if (!same(cur))
      await registry.update(resource, namespace, obj.metadata.name ?? '', {
        ...obj,
        metadata: { ...cur.metadata, ...obj.metadata, resourceVersion: cur.metadata.resourceVersion },
      });
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    await registry.create(resource, namespace, obj);
  }
}

export function endpointObjects(ips: string[], port: number): { endpoints: KubeObject; slice: KubeObject } {
  const ports = [{ name: 'https', port, protocol: 'TCP' }];
  const endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: NAME, namespace: NS, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: ips.length ? [{ addresses: ips.map((ip) => ({ ip })), ports }] : [],
  } as KubeObject;
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: NAME, namespace: NS, labels: { 'kubernetes.io/service-name': NAME } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports,
  } as KubeObject;
  return { endpoints, slice };
}

export class MasterEndpoints {
  constructor(private readonly o: { registry: Registry; ip: string; port: number; clock: Clock; log: Logger }) {}

  /** The addresses of the apiservers whose leases are current. */
  async live(): Promise<string[]> {
    const leases = await this.o.registry.list('leases', {
      namespace: 'kube-system',
      labelSelector: ENDPOINT_LEASE_LABEL,
    });
    const now = this.o.clock.now();
    const ips = leases.items
      .filter((l) => {
        const s = (l.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number };
        return Date.parse(s.renewTime ?? '') + (s.leaseDurationSeconds ?? LEASE_SECONDS) * 1000 > now;
      })
      .map((l) => l.metadata.labels?.[ENDPOINT_LEASE_LABEL] ?? '')
      .filter((ip) => ip !== '');
    return [...new Set(ips)].sort();
  }

  async reconcile(): Promise<void> {
    const { registry, ip } = this.o;
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: leaseName(ip), namespace: 'kube-system', labels: { [ENDPOINT_LEASE_LABEL]: ip } },
      spec: { holderIdentity: ip, leaseDurationSeconds: LEASE_SECONDS, renewTime: micro(this.o.clock.now()) },
    } as KubeObject;
    await upsert(registry, 'leases', 'kube-system', lease, () => false);
    await this.write(await this.live());
  }

  private async write(ips: string[]): Promise<void> {
    const { endpoints, slice } = endpointObjects(ips, this.o.port);
    const key = (o: KubeObject): string =>
      JSON.stringify([
        (o as Record<string, unknown>)['subsets'],
        (o as Record<string, unknown>)['endpoints'],
        (o as Record<string, unknown>)['ports'],
      ]);
    await upsert(this.o.registry, 'endpoints', NS, endpoints, (cur) => key(cur) === key(endpoints));
    await upsert(this.o.registry, 'endpointslices', NS, slice, (cur) => key(cur) === key(slice));
  }

  /** Renews and reconciles until the signal aborts, then removes this apiserver's address. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.reconcile();
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message }, 'kubernetes service endpoints: reconcile failed; retrying');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, RENEW_MS);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
    try {
      await this.o.registry.delete('leases', 'kube-system', leaseName(this.o.ip));
      await this.write((await this.live()).filter((x) => x !== this.o.ip));
    } catch (err) {
      this.o.log.debug({ err: (err as Error).message }, 'kubernetes service endpoints: cleanup on shutdown failed');
    }
  }
}
