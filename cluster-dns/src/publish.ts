/**
 * The kube-dns Service's endpoints, written by cluster-dns itself: the Service has no selector
 * (its server is this container, not a pod), so no controller fills them, yet upstream's "Debugging
 * DNS Resolution" starts with `kubectl get endpoints kube-dns -n kube-system`. An Endpoints object
 * and an EndpointSlice (managed-by cluster-dns) name this container's own address, ports `dns`
 * 53/UDP and `dns-tcp` 53/TCP. Idempotent: written only when they differ.
 */
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import type { EndpointSlice, Endpoints, KubeObject, Service } from '@kubelab/api';
import type { ApiClient } from '@kubelab/client';
import { SERVICE_NAME_LABEL } from './records.js';

export const MANAGED_BY = 'cluster-dns.kubelab.io';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

/** The IPv4 address of `iface` (this container's address on the lab network). */
export function interfaceAddress(iface: string): string | undefined {
  return networkInterfaces()[iface]?.find((a) => a.family === 'IPv4')?.address;
}

type Api = Pick<ApiClient, 'get' | 'create' | 'update'>;

function ownerOf(svc: Service): NonNullable<KubeObject['metadata']['ownerReferences']> {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      name: svc.metadata.name ?? '',
      uid: svc.metadata.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}

export function desiredEndpoints(svc: Service, ip: string): { endpoints: Endpoints; slice: EndpointSlice } {
  const namespace = svc.metadata.namespace ?? 'kube-system';
  const name = svc.metadata.name ?? 'kube-dns';
  const ports = (svc.spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: typeof p.targetPort === 'number' ? p.targetPort : p.port,
    protocol: p.protocol ?? 'TCP',
  }));
  return {
    endpoints: {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace, labels: { ...(svc.metadata.labels ?? {}) } },
      subsets: [{ addresses: [{ ip }], ports }],
    },
    slice: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${name}-cluster-dns`,
        namespace,
        labels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY },
        ownerReferences: ownerOf(svc),
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } }],
      ports,
    },
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

async function ensure<T extends KubeObject>(
  api: Api,
  resource: string,
  want: T,
  differs: (cur: T) => boolean,
): Promise<boolean> {
  const { namespace = '', name = '' } = want.metadata;
  let cur: T | undefined;
  try {
    cur = await api.get<T>(resource, namespace, name);
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
  }
  if (!cur) {
    await api.create(resource, want, namespace);
    return true;
  }
  if (!differs(cur)) return false;
  await api.update(resource, {
    ...cur,
    ...want,
    metadata: {
      ...cur.metadata,
      labels: want.metadata.labels,
      ...(want.metadata.ownerReferences ? { ownerReferences: want.metadata.ownerReferences } : {}),
    },
  });
  return true;
}

/** Writes what differs; returns whether anything was written. */
export async function publishEndpoints(api: Api, svc: Service, ip: string, log: Logger): Promise<boolean> {
  const want = desiredEndpoints(svc, ip);
  const a = await ensure(
    api,
    'endpoints',
    want.endpoints,
    (cur) =>
      !same(cur.subsets, want.endpoints.subsets) || !same(cur.metadata.labels ?? {}, want.endpoints.metadata.labels),
  );
  const b = await ensure(
    api,
    'endpointslices',
    want.slice,
    (cur) =>
      !same(cur.endpoints, want.slice.endpoints) ||
      !same(cur.ports, want.slice.ports) ||
      !same(cur.metadata.labels, want.slice.metadata.labels),
  );
  if (a || b)
    log.info(
      { service: `${want.slice.metadata.namespace}/${svc.metadata.name}`, ip },
      'cluster-dns: published its endpoints',
    );
  return a || b;
}
