/**
 * The metrics API for in-cluster controllers (the HPA controller reads PodMetrics over gRPC, as
 * upstream's reads them from metrics.k8s.io): a Registry that answers get/list of
 * `pods.metrics.k8s.io` and `nodes.metrics.k8s.io` from the kubelets' stats, exactly as the REST
 * endpoints do (through a cache of its own, with a shorter life than `kubectl top`'s), and hands
 * everything else to the stored registry. Read-only; no watch.
 */
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import type { Logger } from 'pino';
import type { ListQuery, Registry } from '../../registry/types.js';
import { metricsResponse, type MetricsRoute } from './handler.js';
import { METRICS_GROUP } from './resources.js';
import { MetricsCache, type StatsSource } from './source.js';

export const POD_METRICS = `pods.${METRICS_GROUP}`;
export const NODE_METRICS = `nodes.${METRICS_GROUP}`;

function query(q: ListQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.labelSelector) p.set('labelSelector', q.labelSelector);
  if (q.fieldSelector) p.set('fieldSelector', q.fieldSelector);
  return p;
}

function routeOf(resource: string, namespace: string, name?: string): MetricsRoute {
  const base: MetricsRoute = resource === POD_METRICS ? { resource: 'pods', namespace } : { resource: 'nodes' };
  return name === undefined ? base : { ...base, name };
}

/**
 * How long an answer is reused for these readers: the HPAs of one sync period ask together; longer
 * would only add to their reaction time (the kubelets cache their samples themselves).
 */
export const CONTROLLER_METRICS_TTL_MS = 2000;

export function withMetrics(registry: Registry, source: StatsSource, log?: Logger): Registry {
  const deps = {
    registry,
    cache: new MetricsCache({ source, ttlMs: CONTROLLER_METRICS_TTL_MS, ...(log ? { log } : {}) }),
  };
  const isMetrics = (r: string): boolean => r === POD_METRICS || r === NODE_METRICS;
  const readOnly = (r: string): ApiError =>
    new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource (${r})`);
  return {
    create: (r, ns, obj, opts) => (isMetrics(r) ? Promise.reject(readOnly(r)) : registry.create(r, ns, obj, opts)),
    get: async (r, ns, name, opts) =>
      isMetrics(r)
        ? ((await metricsResponse(deps, routeOf(r, ns, name), new URLSearchParams())) as KubeObject)
        : registry.get(r, ns, name, opts),
    list: async (r, q) => {
      if (!isMetrics(r)) return registry.list(r, q);
      const res = await metricsResponse(deps, routeOf(r, q.namespace), query(q));
      return { items: (res['items'] ?? []) as KubeObject[], resourceVersion: '', continue: '' };
    },
    update: (r, ns, name, obj, opts) =>
      isMetrics(r) ? Promise.reject(readOnly(r)) : registry.update(r, ns, name, obj, opts),
    updateStatus: (r, ns, name, obj, opts) =>
      isMetrics(r) ? Promise.reject(readOnly(r)) : registry.updateStatus(r, ns, name, obj, opts),
    delete: (r, ns, name, opts) => (isMetrics(r) ? Promise.reject(readOnly(r)) : registry.delete(r, ns, name, opts)),
    watch: (r, q, signal) => {
      if (isMetrics(r)) throw readOnly(r);
      return registry.watch(r, q, signal);
    },
    bind: (ns, name, node, uid) => registry.bind(ns, name, node, uid),
  };
}
