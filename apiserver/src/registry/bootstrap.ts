/**
 * Objects every cluster has, created at start-up if missing (idempotent): the system
 * namespaces, the `kubernetes` service on the first service IP and the `kube-dns` service on the
 * 10th (clusterdns.ts), the RBAC bootstrap policy (auth/rbac/reconcile.ts). Also resumes the cleanup of namespaces that were terminating when the
 * apiserver stopped.
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import {
  CLUSTER_DNS_NAMESPACE,
  CLUSTER_DNS_SERVICE,
  SERVICE_PROXY_NAME_LABEL,
  clusterDNSAddress,
  formatIPv4,
  type KubeObject,
} from '@kubelab/api';
import { parseCIDR } from './allocator.js';
import { DEFAULT_SERVICE_CIDR, type StoreRegistry } from './registry.js';
import { reconcileBootstrapPolicy } from '../auth/rbac/reconcile.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(
  registry: StoreRegistry,
  resource: string,
  namespace: string,
  obj: KubeObject,
  log?: Logger,
): Promise<void> {
  try {
    await registry.create(resource, namespace, obj);
    log?.info({ resource, namespace, name: obj.metadata.name }, 'bootstrap: created');
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

export function kubernetesService(serviceCIDR = DEFAULT_SERVICE_CIDR): KubeObject {
  const ip = formatIPv4(parseCIDR(serviceCIDR).first);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      sessionAffinity: 'None',
      ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }],
    },
  };
}

/**
 * kube-dns as upstream's (its labels, ports `dns` 53/UDP and `dns-tcp` 53/TCP) without a selector:
 * its server is the cluster-dns container, which writes the endpoints naming itself; kube-proxy
 * forwards the ClusterIP to them as for any Service.
 */
export function kubeDnsService(serviceCIDR = DEFAULT_SERVICE_CIDR): KubeObject {
  const ip = clusterDNSAddress(serviceCIDR);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: CLUSTER_DNS_SERVICE,
      namespace: CLUSTER_DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KubeDNS' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      sessionAffinity: 'None',
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
      ],
    },
  };
}

/**
 * Labs made before kube-proxy served kube-dns labelled it as another proxy's (cluster-dns held the
 * address itself): the label goes, so kube-proxy forwards it.
 */
async function dropOldProxyLabel(registry: StoreRegistry, log?: Logger): Promise<void> {
  const svc = await registry.get('services', CLUSTER_DNS_NAMESPACE, CLUSTER_DNS_SERVICE);
  const labels = { ...(svc.metadata.labels ?? {}) };
  if (labels[SERVICE_PROXY_NAME_LABEL] !== 'cluster-dns') return;
  delete labels[SERVICE_PROXY_NAME_LABEL];
  await registry.update('services', CLUSTER_DNS_NAMESPACE, CLUSTER_DNS_SERVICE, {
    ...svc,
    metadata: { ...svc.metadata, labels },
  });
  log?.info(
    { service: `${CLUSTER_DNS_NAMESPACE}/${CLUSTER_DNS_SERVICE}` },
    'bootstrap: kube-dns is served by kube-proxy now (label removed)',
  );
}

/** kube-dns, unless its address is taken (a Service made before the lab had DNS): then a warning. */
async function ensureKubeDns(registry: StoreRegistry, serviceCIDR: string | undefined, log?: Logger): Promise<void> {
  try {
    await ensure(registry, 'services', CLUSTER_DNS_NAMESPACE, kubeDnsService(serviceCIDR), log);
    await dropOldProxyLabel(registry, log);
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'Invalid')) throw err;
    log?.warn(
      { err: err.message },
      'bootstrap: kube-dns not created; pods will not reach cluster DNS until its address is free (delete the Service holding it, then restart the apiserver)',
    );
  }
}

export async function bootstrap(
  registry: StoreRegistry,
  opts: { serviceCIDR?: string; log?: Logger } = {},
): Promise<void> {
  for (const name of SYSTEM_NAMESPACES)
    await ensure(registry, 'namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, opts.log);
  await ensure(registry, 'services', 'default', kubernetesService(opts.serviceCIDR), opts.log);
  await ensureKubeDns(registry, opts.serviceCIDR, opts.log);
  await reconcileBootstrapPolicy(registry, opts.log);
  const namespaces = await registry.list('namespaces', { namespace: '' });
  for (const ns of namespaces.items)
    if (ns.metadata.deletionTimestamp && ns.metadata.name) registry.finalizeNamespace(ns.metadata.name);
}
