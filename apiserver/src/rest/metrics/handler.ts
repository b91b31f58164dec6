/**
 * The metrics.k8s.io/v1beta1 endpoints (what `kubectl top` reads):
 *
 *   /apis/metrics.k8s.io/v1beta1/nodes[/NAME]
 *   /apis/metrics.k8s.io/v1beta1/pods                                  all namespaces
 *   /apis/metrics.k8s.io/v1beta1/namespaces/NS/pods[/NAME]
 *
 * Node and Pod objects come from the registry (labelSelector/fieldSelector passed through, labels
 * copied like metrics-server does), usage from the kubelets' stats via a cache.
 */
import { rfc3339, type Node, type Pod } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { Logger } from 'pino';
import type { ListQuery, Registry } from '../../registry/types.js';
import { metricsList, nodeMetrics, podMetrics, withKind } from './build.js';
import { METRICS_GROUP, METRICS_VERSION } from './resources.js';
import { metricsCacheFor, type MetricsCache, type StatsSource } from './source.js';

export type MetricsRoute =
  | { resource: 'nodes'; name?: string }
  | { resource: 'pods'; namespace: string; name?: string };

const PREFIX = `/apis/${METRICS_GROUP}/${METRICS_VERSION}/`;

/** The metrics resource a path addresses; undefined for anything else (discovery included). */
export function parseMetricsPath(path: string): MetricsRoute | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  let segs: string[];
  try {
    segs = path
      .slice(PREFIX.length)
      .split('/')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (segs.some((s) => s === '')) return undefined;
  const [a, b, c, d, ...more] = segs;
  if (more.length) return undefined;
  if (a === 'nodes' && c === undefined) return b === undefined ? { resource: 'nodes' } : { resource: 'nodes', name: b };
  if (a === 'pods' && b === undefined) return { resource: 'pods', namespace: '' };
  if (a === 'namespaces' && b !== undefined && c === 'pods')
    return d === undefined ? { resource: 'pods', namespace: b } : { resource: 'pods', namespace: b, name: d };
  return undefined;
}

export interface MetricsDeps {
  registry: Pick<Registry, 'get' | 'list'>;
  cache: MetricsCache;
  now?: () => number;
}

function notFound(route: MetricsRoute, name: string): ApiError {
  const kind = route.resource === 'nodes' ? 'nodemetrics' : 'podmetrics';
  const shown = route.resource === 'pods' ? `${route.namespace}/${name}` : name;
  return new ApiError('NotFound', `${kind}.${METRICS_GROUP} "${shown}" not found`, {
    name,
    group: METRICS_GROUP,
    kind: route.resource,
  });
}

async function getOrNotFound<T>(p: Promise<T>, route: MetricsRoute, name: string): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'NotFound') throw notFound(route, name);
    throw err;
  }
}

function listQueryOf(q: URLSearchParams, namespace: string): ListQuery {
  const out: ListQuery = { namespace };
  const l = q.get('labelSelector');
  const f = q.get('fieldSelector');
  if (l) out.labelSelector = l;
  if (f) out.fieldSelector = f;
  return out;
}

/** The JSON answer for a metrics GET. */
export async function metricsResponse(
  deps: MetricsDeps,
  route: MetricsRoute,
  query: URLSearchParams,
): Promise<Record<string, unknown>> {
  const created = rfc3339(deps.now ? deps.now() : Date.now());
  const { registry, cache } = deps;
  if (route.resource === 'nodes') {
    if (route.name !== undefined) {
      const node = (await getOrNotFound(registry.get('nodes', '', route.name), route, route.name)) as Node;
      const stats = (await cache.readyNodeStats([node])).get(route.name);
      if (!stats) throw notFound(route, route.name);
      return withKind('NodeMetrics', nodeMetrics(node, stats, created));
    }
    const nodes = (await registry.list('nodes', listQueryOf(query, ''))).items as Node[];
    const stats = await cache.readyNodeStats(nodes);
    const items = nodes.flatMap((n) => {
      const s = stats.get(n.metadata.name ?? '');
      return s ? [nodeMetrics(n, s, created)] : [];
    });
    return metricsList('NodeMetricsList', items);
  }
  if (route.name !== undefined) {
    const pod = (await getOrNotFound(registry.get('pods', route.namespace, route.name), route, route.name)) as Pod;
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw notFound(route, route.name);
    const node = (await registry.get('nodes', '', nodeName).catch(() => undefined)) as Node | undefined;
    const stats = node ? (await cache.readyNodeStats([node])).get(nodeName) : undefined;
    const m = stats ? podMetrics(pod, stats, created) : undefined;
    if (!m) throw notFound(route, route.name);
    return withKind('PodMetrics', m);
  }
  const [pods, nodes] = await Promise.all([
    registry.list('pods', listQueryOf(query, route.namespace)),
    registry.list('nodes', { namespace: '' }),
  ]);
  const onNodes = new Set(pods.items.map((p) => (p as Pod).spec?.nodeName).filter((n): n is string => !!n));
  const stats = await cache.readyNodeStats((nodes.items as Node[]).filter((n) => onNodes.has(n.metadata.name ?? '')));
  const items = (pods.items as Pod[]).flatMap((p) => {
    const s = stats.get(p.spec?.nodeName ?? '');
    const m = s ? podMetrics(p, s, created) : undefined;
    return m ? [m] : [];
  });
  return metricsList('PodMetricsList', items);
}

/** The cache of a server's kubelet connector; ServiceUnavailable when there is none. */
export function cacheOf(kubelets: StatsSource | undefined, route: MetricsRoute, log?: Logger): MetricsCache {
  if (!kubelets) {
    throw new ApiError(
      'ServiceUnavailable',
      `the server is currently unable to handle the request (get ${route.resource}.${METRICS_GROUP})`,
    );
  }
  return metricsCacheFor(kubelets, log);
}
