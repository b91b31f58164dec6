/** cluster-dns's settings, from the environment (defaults in brackets in main.ts). */
import { readFileSync } from 'node:fs';
import type { Upstream } from './forward.js';
import { mustParseCidr, type Cidr } from '@kubelab/api';
import { canonicalName } from './names.js';
import { parseUpstreamList, resolvConfNameservers } from './upstreams.js';

export interface ClusterDnsConfig {
  apiserver: string;
  domain: string;
  host: string;
  port: number;
  ttl: number;
  /** `ns/name` of the Service whose ClusterIP this server answers on. */
  dnsService: string;
  /** The interface whose address the kube-dns endpoints name. */
  iface: string;
  /** The resolvers names outside the cluster go to when the kube-dns ConfigMap names none. */
  upstreams: Upstream[];
  forwardTimeoutMs: number;
  maxForwards: number;
  reverseCidrs: Cidr[];
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name, String(fallback));
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new Error(`${name}: Invalid value: "${raw}": must be an integer from ${min} to ${max}`);
  return v;
}

function readResolvConf(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function loadConfig(
  env: Env = process.env,
  resolvConf: () => string = () => readResolvConf('/etc/resolv.conf'),
): ClusterDnsConfig {
  const dnsService = str(env, 'KUBELAB_DNS_SERVICE', 'kube-system/kube-dns');
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(dnsService))
    throw new Error(`KUBELAB_DNS_SERVICE: Invalid value: "${dnsService}": must be <namespace>/<name>`);
  const upstreamText = str(env, 'KUBELAB_DNS_UPSTREAM', '');
  const cidrs = [
    str(env, 'KUBELAB_CLUSTER_SUBNET', '10.244.0.0/16'),
    str(env, 'KUBELAB_SERVICE_CIDR', '10.244.128.0/17'),
  ];
  return {
    apiserver: str(env, 'KUBELAB_APISERVER', 'apiserver:7000'),
    domain: canonicalName(str(env, 'KUBELAB_CLUSTER_DOMAIN', 'cluster.local')),
    host: str(env, 'KUBELAB_DNS_LISTEN', '0.0.0.0'),
    port: int(env, 'KUBELAB_DNS_PORT', 53, 0, 65535),
    ttl: int(env, 'KUBELAB_DNS_TTL', 5, 0, 3600),
    dnsService,
    iface: str(env, 'KUBELAB_DNS_IFACE', 'eth0'),
    upstreams:
      upstreamText === 'none'
        ? []
        : upstreamText
          ? parseUpstreamList(upstreamText, 'KUBELAB_DNS_UPSTREAM')
          : resolvConfNameservers(resolvConf()),
    forwardTimeoutMs: int(env, 'KUBELAB_DNS_FORWARD_TIMEOUT_MS', 2000, 50, 30_000),
    maxForwards: int(env, 'KUBELAB_DNS_MAX_FORWARDS', 256, 1, 65_536),
    reverseCidrs: cidrs.map((c, i) => mustParseCidr(c, i === 0 ? 'KUBELAB_CLUSTER_SUBNET' : 'KUBELAB_SERVICE_CIDR')),
  };
}
