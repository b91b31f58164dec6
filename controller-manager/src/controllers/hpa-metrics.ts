/**
 * The HPA's view of the resource metrics API: PodMetrics (metrics.k8s.io, served by the apiserver
 * from the kubelets' stats) of the pods a selector picks, per pod as one number (CPU millicores or
 * memory bytes, summed over the containers, or one container's) with its sample time and window.
 */
import type { KubeObject } from '@kubelab/api';
import { tryParseQuantity } from '@kubelab/api/quantity';
import type { ApiLike } from '../api.js';
import type { PodMetric } from './hpa-replicas.js';

export const POD_METRICS_RESOURCE = 'pods.metrics.k8s.io';

export interface MetricsClient {
  podMetrics(
    namespace: string,
    selector: string,
    resource: string,
    container?: string,
  ): Promise<Map<string, PodMetric>>;
}

interface PodMetricsItem extends KubeObject {
  timestamp?: string;
  window?: string;
  containers?: { name: string; usage?: Record<string, string> }[];
}

function windowMs(w: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(w ?? '');
  if (!m) return 30_000;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** One pod's value: CPU in millicores, anything else in base units. */
export function podValue(item: PodMetricsItem, resource: string, container?: string): number | undefined {
  let sum = 0;
  let seen = false;
  for (const c of item.containers ?? []) {
    if (container && c.name !== container) continue;
    const q = tryParseQuantity(c.usage?.[resource]);
    if (q === undefined) continue;
    seen = true;
    sum += resource === 'cpu' ? q * 1000 : q;
  }
  return seen ? sum : undefined;
}

export class ApiMetricsClient implements MetricsClient {
  constructor(private readonly api: ApiLike) {}

  async podMetrics(
    namespace: string,
    selector: string,
    resource: string,
    container?: string,
  ): Promise<Map<string, PodMetric>> {
    const { items } = await this.api.list<PodMetricsItem>(POD_METRICS_RESOURCE, { namespace, labelSelector: selector });
    const out = new Map<string, PodMetric>();
    for (const item of items) {
      const v = podValue(item, resource, container);
      if (v === undefined) continue;
      out.set(item.metadata.name ?? '', {
        value: v,
        timestamp: Date.parse(item.timestamp ?? '') || 0,
        windowMs: windowMs(item.window),
      });
    }
    if (out.size === 0) throw new Error('no metrics returned from resource metrics API');
    return out;
  }
}
