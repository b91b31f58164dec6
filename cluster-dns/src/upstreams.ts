/**
 * Where names outside the cluster go. In order: a stub domain of the `kube-dns` ConfigMap in
 * kube-system whose domain holds the name (`stubDomains`, as upstream's kube-dns), else that
 * ConfigMap's `upstreamNameservers`, else the resolvers this process was given (KUBELAB_DNS_UPSTREAM,
 * else the nameservers of its own /etc/resolv.conf: in the lab, Docker's embedded DNS).
 */
import { isIPv4, type ConfigMap } from '@kubelab/api';
import type { Upstream } from './forward.js';
import { canonicalName, inZone } from './names.js';

/** "10.0.0.1" or "10.0.0.1:5353" → an upstream; undefined when not that. */
export function parseUpstream(s: string): Upstream | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(s.trim());
  if (!m || !isIPv4(m[1]!)) return undefined;
  const port = m[2] === undefined ? 53 : Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined;
}

/** The IPv4 nameservers of a resolv.conf. */
export function resolvConfNameservers(text: string): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    const up = m ? parseUpstream(m[1]!) : undefined;
    if (up) out.push(up);
  }
  return out;
}

/** A comma- or space-separated list of ip[:port]; throws naming the bad entry. */
export function parseUpstreamList(text: string, what: string): Upstream[] {
  const out: Upstream[] = [];
  for (const part of text.split(/[\s,]+/).filter((p) => p !== '')) {
    const up = parseUpstream(part);
    if (!up) throw new Error(`${what}: Invalid value: "${part}": must be an IPv4 address, optionally with :port`);
    out.push(up);
  }
  return out;
}

export interface UpstreamConfig {
  upstreams: Upstream[];
  /** Domain (canonical) → its own resolvers. */
  stubDomains: Map<string, Upstream[]>;
}

export interface ConfigMapUpstreams extends UpstreamConfig {
  /** What was wrong with the ConfigMap, to log (the rest is still used). */
  errors: string[];
}

function jsonField(data: Record<string, string>, key: string, errors: string[]): unknown {
  const raw = data[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    errors.push(`data.${key}: Invalid value: must be JSON`);
    return undefined;
  }
}

function upstreamArray(v: unknown, field: string, errors: string[]): Upstream[] {
  if (!Array.isArray(v)) {
    errors.push(`${field}: Invalid value: must be a JSON array of IPv4 addresses`);
    return [];
  }
  const out: Upstream[] = [];
  for (const [i, s] of v.entries()) {
    const up = typeof s === 'string' ? parseUpstream(s) : undefined;
    if (up) out.push(up);
    else
      errors.push(
        `${field}[${i}]: Invalid value: ${JSON.stringify(s)}: must be an IPv4 address, optionally with :port`,
      );
  }
  return out;
}

/** kube-dns's ConfigMap keys: `upstreamNameservers` (a JSON array) and `stubDomains` (a JSON object). */
export function configMapUpstreams(cm: ConfigMap | undefined): ConfigMapUpstreams {
  const errors: string[] = [];
  const data = cm?.data ?? {};
  const upstreamsRaw = jsonField(data, 'upstreamNameservers', errors);
  const upstreams = upstreamsRaw === undefined ? [] : upstreamArray(upstreamsRaw, 'data.upstreamNameservers', errors);
  const stubDomains = new Map<string, Upstream[]>();
  const stubsRaw = jsonField(data, 'stubDomains', errors);
  if (stubsRaw !== undefined) {
    if (typeof stubsRaw !== 'object' || stubsRaw === null || Array.isArray(stubsRaw))
      errors.push('data.stubDomains: Invalid value: must be a JSON object of domain → array of addresses');
    else
      for (const [domain, list] of Object.entries(stubsRaw))
        stubDomains.set(canonicalName(domain), upstreamArray(list, `data.stubDomains[${domain}]`, errors));
  }
  return { upstreams, stubDomains, errors };
}

/** The resolvers for a canonical name: the longest stub domain holding it, else the upstreams. */
export function upstreamsFor(name: string, cfg: UpstreamConfig, fallback: Upstream[]): Upstream[] {
  let best: string | undefined;
  for (const d of cfg.stubDomains.keys())
    if (inZone(name, d) && (best === undefined || d.length > best.length)) best = d;
  if (best !== undefined) return cfg.stubDomains.get(best)!;
  return cfg.upstreams.length ? cfg.upstreams : fallback;
}
