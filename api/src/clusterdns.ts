/**
 * The cluster DNS Service, as upstream clusters have it: `kube-dns` in kube-system on a fixed
 * ClusterIP, the 10th address of the service CIDR (kubeadm's rule: 10.96.0.10 for 10.96.0.0/12),
 * which every kubelet writes into its pods' /etc/resolv.conf.
 */
import { cidrAddress, mustParseCidr } from './ipv4.js';

export const CLUSTER_DNS_NAMESPACE = 'kube-system';
export const CLUSTER_DNS_SERVICE = 'kube-dns';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/**
 * Upstream's label for a Service that a proxy other than kube-proxy serves: kube-proxy leaves
 * Services that carry it alone. The kube-dns Service carries it: cluster-dns holds its ClusterIP.
 */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';

/** The 10th address of an IPv4 CIDR ("10.244.128.0/17" → "10.244.128.10"); throws on anything else. */
export function clusterDNSAddress(serviceCIDR: string): string {
  return cidrAddress(
    mustParseCidr(serviceCIDR, 'KUBELAB_SERVICE_CIDR', { minBits: 8, maxBits: 28, example: '10.244.128.0/17' }),
    10,
  );
}
