/**
 * A pod's DNS settings, as upstream's kubelet forms them (pkg/kubelet/network/dns), pure:
 * - ClusterFirst (the default) and ClusterFirstWithHostNet: the cluster DNS Service as the only
 *   nameserver, `search <ns>.svc.<domain> svc.<domain> <domain>` then the node's own search
 *   domains, `options ndots:5`; without a cluster DNS address, the node's settings (Default).
 * - Default: the node's resolver (here: the kubelet's own /etc/resolv.conf, i.e. Docker's
 *   embedded DNS, which every container on the lab network has at the same address).
 * - None: nothing but `dnsConfig`.
 * `dnsConfig` is then merged in (nameservers and searches appended without duplicates, options
 * by name, the pod's value winning), and the result cut to the resolver's limits.
 * Also what /etc/hosts gets: `hostAliases`, and the pod's FQDN when it has a subdomain.
 */
import { clusterDNSAddress, DEFAULT_CLUSTER_DOMAIN, type Pod } from '@kubelab/api';

export interface ResolverConfig {
  nameservers: string[];
  searches: string[];
  options: string[];
}

export interface DnsSettings {
  /** The cluster DNS Service address(es) (upstream's --cluster-dns); empty: none known. */
  clusterDNS: string[];
  clusterDomain: string;
  /** The node's resolver (upstream's --resolv-conf). */
  node: ResolverConfig;
}

// Upstream's limits (validation.MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars).
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCH_PATHS = 32;
export const MAX_SEARCH_CHARS = 2048;

export function parseResolvConf(text: string): ResolverConfig {
  const out: ResolverConfig = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const [key, ...fields] = raw
      .replace(/[#;].*$/, '')
      .trim()
      .split(/\s+/);
    if (key === 'nameserver' && fields[0]) out.nameservers.push(fields[0]);
    else if (key === 'search' || key === 'domain') out.searches = fields.filter((f) => f !== '');
    else if (key === 'options') out.options.push(...fields.filter((f) => f !== ''));
  }
  return out;
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

interface PodDnsOption {
  name?: string;
  value?: string;
}

interface PodDnsConfig {
  nameservers?: string[];
  searches?: string[];
  options?: PodDnsOption[];
}

/** Options by name, `name[:value]`, the later value winning, in first-seen order. */
function mergeOptions(base: string[], extra: PodDnsOption[]): string[] {
  const m = new Map<string, string>();
  for (const op of base) {
    const i = op.indexOf(':');
    m.set(i === -1 ? op : op.slice(0, i), i === -1 ? '' : op.slice(i + 1));
  }
  for (const op of extra) if (op.name) m.set(op.name, op.value ?? '');
  return [...m].map(([k, v]) => (v === '' ? k : `${k}:${v}`));
}

function fitLimits(c: ResolverConfig): ResolverConfig {
  const searches: string[] = [];
  let chars = -1;
  for (const s of c.searches.slice(0, MAX_SEARCH_PATHS)) {
    if (chars + 1 + s.length > MAX_SEARCH_CHARS) break;
    chars += 1 + s.length;
    searches.push(s);
  }
  return { nameservers: c.nameservers.slice(0, MAX_NAMESERVERS), searches, options: c.options };
}

/**
 * The pod's resolver settings, or undefined when they are the node's unchanged (Docker's own
 * /etc/resolv.conf for the container is then already right).
 */
export function podResolverConfig(pod: Pod, s: DnsSettings): ResolverConfig | undefined {
  const policy = String(pod.spec['dnsPolicy'] ?? 'ClusterFirst');
  const dnsConfig = pod.spec['dnsConfig'] as PodDnsConfig | undefined;
  let c: ResolverConfig;
  if (policy === 'None') c = { nameservers: [], searches: [], options: [] };
  else if (policy !== 'Default' && s.clusterDNS.length) {
    const d = s.clusterDomain;
    const ns = pod.metadata.namespace ?? 'default';
    c = {
      nameservers: [...s.clusterDNS],
      searches: unique([`${ns}.svc.${d}`, `svc.${d}`, d, ...s.node.searches]),
      options: ['ndots:5'],
    };
  } else {
    if (!dnsConfig) return undefined;
    c = { nameservers: [...s.node.nameservers], searches: [...s.node.searches], options: [...s.node.options] };
  }
  if (dnsConfig) {
    c = {
      nameservers: unique([...c.nameservers, ...(dnsConfig.nameservers ?? [])]),
      searches: unique([...c.searches, ...(dnsConfig.searches ?? [])]),
      options: mergeOptions(c.options, dnsConfig.options ?? []),
    };
  }
  return fitLimits(c);
}

/** The file, in the order upstream's pods show it. */
export function resolvConfText(c: ResolverConfig): string {
  const lines: string[] = [];
  if (c.searches.length) lines.push(`search ${c.searches.join(' ')}`);
  for (const ns of c.nameservers) lines.push(`nameserver ${ns}`);
  if (c.options.length) lines.push(`options ${c.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

interface HostAlias {
  ip?: string;
  hostnames?: string[];
}

/**
 * What the pod's /etc/hosts needs beyond Docker's own lines: `hostAliases` as Docker's ExtraHosts
 * (`name:ip`), and with `subdomain` the domain that makes Docker's line for the pod read
 * `<ip> <hostname>.<subdomain>.<ns>.svc.<domain> <hostname>`, as upstream's kubelet writes it.
 */
export function hostsOptions(pod: Pod, clusterDomain: string): { ExtraHosts?: string[]; Domainname?: string } {
  const out: { ExtraHosts?: string[]; Domainname?: string } = {};
  const aliases = (pod.spec['hostAliases'] as HostAlias[] | undefined) ?? [];
  const extra = aliases.flatMap((a) => (a.ip ? (a.hostnames ?? []).map((h) => `${h}:${a.ip}`) : []));
  if (extra.length) out.ExtraHosts = extra;
  const sub = pod.spec['subdomain'];
  if (typeof sub === 'string' && sub !== '')
    out.Domainname = `${sub}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}`;
  return out;
}

type Env = Record<string, string | undefined>;

/**
 * From the environment: KUBELAB_CLUSTER_DNS (comma-separated; `none` for no cluster DNS; default
 * the 10th address of KUBELAB_SERVICE_CIDR [10.244.128.0/17]) and KUBELAB_CLUSTER_DOMAIN
 * [cluster.local]; the node's resolver from the text of the kubelet's /etc/resolv.conf.
 */
export function dnsSettingsFromEnv(env: Env, nodeResolvConf: string): DnsSettings {
  const raw = env.KUBELAB_CLUSTER_DNS?.trim();
  let clusterDNS: string[];
  if (raw === 'none') clusterDNS = [];
  else if (raw)
    clusterDNS = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  else {
    const cidr = env.KUBELAB_SERVICE_CIDR?.trim() || '10.244.128.0/17';
    try {
      clusterDNS = [clusterDNSAddress(cidr)];
    } catch (err) {
      throw new Error(`KUBELAB_SERVICE_CIDR: Invalid value: ${(err as Error).message}`);
    }
  }
  for (const ip of clusterDNS)
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip))
      throw new Error(
        `KUBELAB_CLUSTER_DNS: Invalid value: "${ip}": must be IPv4 addresses separated by commas, or none`,
      );
  return {
    clusterDNS,
    clusterDomain: env.KUBELAB_CLUSTER_DOMAIN?.trim() || DEFAULT_CLUSTER_DOMAIN,
    node: parseResolvConf(nodeResolvConf),
  };
}
