/**
 * The cluster DNS Service, as upstream clusters have it: `kube-dns` in kube-system on a fixed
 * ClusterIP, the 10th address of the service CIDR (kubeadm's rule: 10.96.0.10 for 10.96.0.0/12),
 * which every kubelet writes into its pods' /etc/resolv.conf.
 */

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
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(serviceCIDR.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || !(bits >= 8 && bits <= 28)) throw new Error(`invalid service CIDR "${serviceCIDR}" (want e.g. 10.244.128.0/17, a prefix from /8 to /28)`);
  const size = 2 ** (32 - bits);
  const n = octets.reduce((a, o) => a * 256 + o, 0);
  const ip = n - (n % size) + 10;
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}
