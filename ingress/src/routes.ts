/**
 * The routing table of the ingress controller (pure): our Ingresses → per host, the paths in
 * matching order, each Ingress's defaultBackend, and the TLS secret per host. Matching follows
 * networking.k8s.io/v1 as ingress-nginx serves it: an exact host beats a `*.` wildcard (one
 * label), which beats rules without a host; in a host, Exact paths first, then the longest
 * Prefix (matched element by element: `/a` matches `/a`, `/a/` and `/a/b`, never `/ab`);
 * ImplementationSpecific is taken as Prefix. Where two Ingresses claim the same host and path,
 * the older one wins.
 */

export interface BackendRef {
  namespace: string;
  service: string;
  /** A service port number or name. */
  port: number | string;
}

export interface PathRule {
  path: string;
  exact: boolean;
  backend: BackendRef;
  /** `ns/name` of the Ingress the rule came from. */
  ingress: string;
}

export interface HostRoutes {
  paths: PathRule[];
  /** The defaultBackend of the (oldest) Ingress that has rules for this host. */
  fallback?: BackendRef;
}

export interface RouteTable {
  hosts: Map<string, HostRoutes>;
  /** Host `*` collects rules without a host. */
  any: HostRoutes;
  /** The defaultBackend of the oldest Ingress that has one: answers what nothing else does. */
  defaultBackend?: BackendRef;
  /** Host (exact or `*.x`) → `ns/secretName`. */
  tls: Map<string, string>;
}

export interface Ingress {
  metadata: { name?: string; namespace?: string; creationTimestamp?: string; annotations?: Record<string, string> };
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: { host?: string; http?: { paths?: { path?: string; pathType?: string; backend?: IngressBackend }[] } }[];
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface IngressBackend {
  service?: { name?: string; port?: { number?: number; name?: string } };
}

function backendOf(ns: string, b: IngressBackend | undefined): BackendRef | undefined {
  const s = b?.service;
  const port = s?.port?.number ?? s?.port?.name;
  if (!s?.name || port === undefined || port === '') return undefined;
  return { namespace: ns, service: s.name, port };
}

const keyOf = (i: Ingress): string => `${i.metadata.namespace ?? ''}/${i.metadata.name ?? ''}`;

export function oldestFirst(items: Ingress[]): Ingress[] {
  return [...items].sort(
    (a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      keyOf(a).localeCompare(keyOf(b)),
  );
}

export function buildTable(ingresses: Ingress[]): RouteTable {
  const t: RouteTable = { hosts: new Map(), any: { paths: [] }, tls: new Map() };
  for (const ing of oldestFirst(ingresses)) {
    const ns = ing.metadata.namespace ?? 'default';
    const key = keyOf(ing);
    const def = backendOf(ns, ing.spec?.defaultBackend);
    if (def && !t.defaultBackend) t.defaultBackend = def;
    for (const tls of ing.spec?.tls ?? []) {
      if (!tls.secretName) continue;
      for (const h of tls.hosts ?? [])
        if (!t.tls.has(h.toLowerCase())) t.tls.set(h.toLowerCase(), `${ns}/${tls.secretName}`);
    }
    for (const rule of ing.spec?.rules ?? []) {
      const host = rule.host?.toLowerCase();
      let routes = host ? t.hosts.get(host) : t.any;
      if (!routes) t.hosts.set(host!, (routes = { paths: [] }));
      if (def && !routes.fallback) routes.fallback = def;
      for (const p of rule.http?.paths ?? []) {
        const backend = backendOf(ns, p.backend);
        if (!backend) continue;
        const exact = p.pathType === 'Exact';
        const path = p.path || '/';
        if (routes.paths.some((r) => r.path === path && r.exact === exact)) continue;
        routes.paths.push({ path, exact, backend, ingress: key });
      }
    }
  }
  const order = (a: PathRule, b: PathRule): number =>
    Number(b.exact) - Number(a.exact) || b.path.length - a.path.length;
  for (const r of [...t.hosts.values(), t.any]) r.paths.sort(order);
  return t;
}

/** Element-wise prefix match of networking.k8s.io/v1 (a trailing slash is ignored on both sides). */
export function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  if (p === '') return true;
  return path === p || path.startsWith(`${p}/`);
}

function hostRoutes(t: RouteTable, host: string): HostRoutes | undefined {
  const exact = t.hosts.get(host);
  if (exact) return exact;
  const dot = host.indexOf('.');
  return dot > 0 ? t.hosts.get(`*${host.slice(dot)}`) : undefined;
}

export type Match = { backend: BackendRef; ingress?: string } | undefined;

/** The backend for a request's host (without port) and path (without query), or undefined (404). */
export function match(t: RouteTable, rawHost: string, path: string): Match {
  const host = rawHost.toLowerCase().replace(/:\d+$/, '');
  const clean = path.split('?')[0] || '/';
  // A host with rules of its own is a server of its own (as in nginx): rules without a host do not apply to it.
  const routes = hostRoutes(t, host) ?? t.any;
  for (const r of routes.paths)
    if (r.exact ? clean === r.path : prefixMatches(r.path, clean)) return { backend: r.backend, ingress: r.ingress };
  const fallback = routes.fallback ?? t.defaultBackend;
  return fallback ? { backend: fallback } : undefined;
}

/** The TLS secret (`ns/name`) for an SNI host name, exact or by wildcard. */
export function tlsSecretFor(t: RouteTable, servername: string): string | undefined {
  const host = servername.toLowerCase();
  const dot = host.indexOf('.');
  return t.tls.get(host) ?? (dot > 0 ? t.tls.get(`*${host.slice(dot)}`) : undefined);
}
