/**
 * Objects every cluster has, created at start-up if missing (idempotent): the system
 * namespaces and the `kubernetes` service on the first service IP. Also resumes the cleanup
 * of namespaces that were terminating when the apiserver stopped.
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { intToIp, parseCIDR } from './allocator.js';
import { DEFAULT_SERVICE_CIDR, type StoreRegistry } from './registry.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(registry: StoreRegistry, resource: string, namespace: string, obj: KubeObject, log?: Logger): Promise<void> {
  try {
    await registry.create(resource, namespace, obj);
    log?.info({ resource, namespace, name: obj.metadata.name }, 'bootstrap: created');
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

export function kubernetesService(serviceCIDR = DEFAULT_SERVICE_CIDR): KubeObject {
  const ip = intToIp(parseCIDR(serviceCIDR).first);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], sessionAffinity: 'None', ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }] },
  };
}

export async function bootstrap(registry: StoreRegistry, opts: { serviceCIDR?: string; log?: Logger } = {}): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await ensure(registry, 'namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, opts.log);
  await ensure(registry, 'services', 'default', kubernetesService(opts.serviceCIDR), opts.log);
  const namespaces = await registry.list('namespaces', { namespace: '' });
  for (const ns of namespaces.items) if (ns.metadata.deletionTimestamp && ns.metadata.name) registry.finalizeNamespace(ns.metadata.name);
}
