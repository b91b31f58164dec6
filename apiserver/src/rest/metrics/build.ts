/** Kubelet stats + Node/Pod objects → NodeMetrics / PodMetrics in metrics-server's JSON shape. */
import { rfc3339, type KubeObject, type Node, type Pod } from '@kubelab/api';
import type { StatsResponse } from '@kubelab/proto';
import { METRICS_API_VERSION } from './resources.js';

/** The sampling window the kubelet's CPU rate is computed over (its stats collector's refresh age). */
export const METRICS_WINDOW = '10s';

export interface Usage {
  cpu: string;
  memory: string;
}

/** CPU in nanocores ("123456n"), memory in kibibytes ("2048Ki"), as metrics-server writes them. */
export function usage(nanoCores: number, memoryBytes: number): Usage {
  const cpu = Math.max(0, Math.round(Number(nanoCores) || 0));
  const ki = Math.max(0, Math.floor((Number(memoryBytes) || 0) / 1024));
  return { cpu: `${cpu}n`, memory: `${ki}Ki` };
}

/** The kubelet's sample time in RFC 3339 seconds, like metrics-server; the fallback when unreadable. */
function sampleTime(ts: string, fallback: string): string {
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? rfc3339(ms) : fallback;
}

function meta(obj: KubeObject, created: string, namespaced: boolean): Record<string, unknown> {
  const m: Record<string, unknown> = { name: obj.metadata.name ?? '' };
  if (namespaced) m['namespace'] = obj.metadata.namespace ?? 'default';
  m['creationTimestamp'] = created;
  const labels = obj.metadata.labels;
  if (labels && Object.keys(labels).length) m['labels'] = { ...labels };
  return m;
}

export function nodeMetrics(node: Node, stats: StatsResponse, created: string): Record<string, unknown> {
  return {
    metadata: meta(node, created, false),
    timestamp: sampleTime(stats.timestamp, created),
    window: METRICS_WINDOW,
    usage: usage(stats.nodeCpu?.usageNanoCores ?? 0, stats.nodeMemory?.workingSetBytes ?? 0),
  };
}

/** The pod's metrics from its node's stats (matched by uid, else by namespace/name); undefined if absent. */
export function podMetrics(pod: Pod, stats: StatsResponse, created: string): Record<string, unknown> | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name ?? '';
  const uid = pod.metadata.uid ?? '';
  const ps =
    stats.pods.find((p) => uid !== '' && p.pod?.uid === uid) ??
    stats.pods.find(
      (p) => p.pod?.namespace === ns && p.pod?.name === name && (!p.pod.uid || !uid || p.pod.uid === uid),
    );
  if (!ps) return undefined;
  const containers = ps.containers
    .filter((c) => c.name && c.name !== 'POD')
    .map((c) => ({ name: c.name, usage: usage(c.cpu?.usageNanoCores ?? 0, c.memory?.workingSetBytes ?? 0) }));
  if (containers.length === 0) return undefined;
  return {
    metadata: meta(pod, created, true),
    timestamp: sampleTime(stats.timestamp, created),
    window: METRICS_WINDOW,
    containers,
  };
}

export function metricsList(
  kind: 'NodeMetricsList' | 'PodMetricsList',
  items: Record<string, unknown>[],
): Record<string, unknown> {
  return { kind, apiVersion: METRICS_API_VERSION, metadata: {}, items };
}

export function withKind(kind: 'NodeMetrics' | 'PodMetrics', item: Record<string, unknown>): Record<string, unknown> {
  return { kind, apiVersion: METRICS_API_VERSION, ...item };
}
