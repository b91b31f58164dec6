/**
 * cluster-dns: the cluster's DNS server (`<svc>.<ns>.svc.cluster.local` and friends), answering
 * from its informers' cache on UDP and TCP port 53 and forwarding other names upstream.
 *
 * Environment [defaults]: KUBELAB_APISERVER [apiserver:7000], KUBELAB_CLUSTER_DOMAIN
 * [cluster.local], KUBELAB_DNS_LISTEN [0.0.0.0], KUBELAB_DNS_PORT [53], KUBELAB_DNS_TTL [5],
 * KUBELAB_DNS_SERVICE [kube-system/kube-dns] (its endpoints name the address of
 * KUBELAB_DNS_IFACE [eth0]; kube-proxy forwards the ClusterIP there), KUBELAB_DNS_UPSTREAM [the
 * nameservers of /etc/resolv.conf; `none`: no forwarding], KUBELAB_DNS_FORWARD_TIMEOUT_MS [2000],
 * KUBELAB_DNS_MAX_FORWARDS [256], KUBELAB_CLUSTER_SUBNET [10.244.0.0/16] and
 * KUBELAB_SERVICE_CIDR [10.244.128.0/17] (reverse names answered here), LOG_LEVEL.
 */
import { ApiClient, credentialsFromEnv, runMain } from '@kubelab/client';
import { loadConfig } from './config.js';
import { runClusterDns } from './run.js';

runMain('cluster-dns', async (signal, log) => {
  const cfg = loadConfig();
  const client = new ApiClient(cfg.apiserver, { credentials: credentialsFromEnv() });
  log.info(
    { apiserver: cfg.apiserver, domain: cfg.domain, port: cfg.port, dnsService: cfg.dnsService },
    'cluster-dns starting',
  );
  try {
    await runClusterDns({ cfg, client, log }, signal);
  } finally {
    client.close();
  }
});
