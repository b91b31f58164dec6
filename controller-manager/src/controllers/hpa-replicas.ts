/**
 * The HPA's replica calculation for resource metrics, as upstream's replica_calculator does it:
 * pods are grouped (deleted, failed and pending pods ignored; pods without a sample "missing";
 * for CPU, pods not yet ready "unready"), the usage ratio is usage / (target × requests) over the
 * ready pods, and a ratio within the tolerance (10 %) keeps the current count. Missing pods count
 * as 100 % of their request on a scale-down and 0 % on a scale-up, unready ones as 0 % on a
 * scale-up, and a recount that would flip the direction keeps the current count. Pure.
 */
import type { Pod } from '@kubelab/api';
import { milliValue, tryParseQuantity } from '@kubelab/api/quantity';

export const TOLERANCE = 0.1;
/** Upstream's --horizontal-pod-autoscaler-cpu-initialization-period and initial-readiness-delay. */
export const CPU_INITIALIZATION_MS = 5 * 60_000;
export const INITIAL_READINESS_DELAY_MS = 30_000;

export interface PodMetric {
  /** CPU in millicores, memory in bytes. */
  value: number;
  timestamp: number;
  windowMs: number;
}

export interface ReplicaInputs {
  currentReplicas: number;
  resource: string;
  /** Only this container's usage and requests (ContainerResource), else the whole pod. */
  container?: string;
  pods: Pod[];
  metrics: Map<string, PodMetric>;
  now: number;
}

export interface ResourceReplicas {
  replicas: number;
  /** Average utilization in percent of the requests (Utilization targets). */
  utilization?: number;
  /** Average usage per pod (millicores or bytes). */
  rawAverage: number;
}

/** The pod's requests for the resource (millicores or bytes); throws for a container without one. */
export function podRequest(pod: Pod, resource: string, container?: string): number {
  let sum = 0;
  for (const c of pod.spec.containers) {
    if (container && c.name !== container) continue;
    const req = ((c.resources as { requests?: Record<string, string> } | undefined)?.requests ?? {})[resource];
    if (req === undefined)
      throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
    sum += resource === 'cpu' ? milliValue(req) : (tryParseQuantity(req) ?? 0);
  }
  return sum;
}

interface Groups {
  ready: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

function groupPods(i: ReplicaInputs): Groups {
  const g: Groups = { ready: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const p of i.pods) {
    const name = p.metadata.name ?? '';
    if (
      p.metadata.deletionTimestamp ||
      p.status?.phase === 'Failed' ||
      p.status?.phase === 'Pending' ||
      !p.status?.phase
    ) {
      g.ignored.add(name);
      continue;
    }
    const m = i.metrics.get(name);
    if (!m) {
      g.missing.add(name);
      continue;
    }
    if (i.resource === 'cpu') {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      const start = p.status?.startTime ? Date.parse(p.status.startTime) : undefined;
      let unready: boolean;
      if (!ready || start === undefined) unready = true;
      else {
        const transition = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
        if (start + CPU_INITIALIZATION_MS > i.now)
          unready = ready.status === 'False' || m.timestamp < transition + m.windowMs;
        else unready = ready.status === 'False' && start + INITIAL_READINESS_DELAY_MS > transition;
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.ready++;
  }
  return g;
}

/** usage / requests over pods with both, as upstream's GetResourceUtilizationRatio (integer percent). */
function utilizationRatio(
  metrics: Map<string, number>,
  requests: Map<string, number>,
  target: number,
): { ratio: number; utilization: number; raw: number } {
  let usage = 0;
  let req = 0;
  let n = 0;
  for (const [name, v] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    usage += v;
    req += r;
    n++;
  }
  if (req === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((usage * 100) / req);
  return { ratio: utilization / target, utilization, raw: n ? usage / n : 0 };
}

function averageRatio(metrics: Map<string, number>, target: number): { ratio: number; raw: number } {
  let usage = 0;
  for (const v of metrics.values()) usage += v;
  const raw = metrics.size ? usage / metrics.size : 0;
  return { ratio: usage / (target * metrics.size), raw };
}

/**
 * Replicas for a Utilization target (percent of requests) or, with `averageValue`, an
 * AverageValue target (millicores or bytes per pod). Throws with upstream's messages.
 */
export function resourceReplicas(
  i: ReplicaInputs,
  target: { utilization?: number; averageValue?: number },
): ResourceReplicas {
  if (i.pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const g = groupPods(i);
  const metrics = new Map<string, number>();
  for (const [name, m] of i.metrics)
    if (!g.ignored.has(name) && !g.unready.has(name) && i.pods.some((p) => p.metadata.name === name))
      metrics.set(name, m.value);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const byValue = target.utilization === undefined;
  const requests = new Map<string, number>();
  if (!byValue)
    for (const p of i.pods)
      if (!g.ignored.has(p.metadata.name ?? ''))
        requests.set(p.metadata.name ?? '', podRequest(p, i.resource, i.container));
  const ratioOf = (m: Map<string, number>): { ratio: number; utilization?: number; raw: number } =>
    byValue ? averageRatio(m, target.averageValue ?? 1) : utilizationRatio(m, requests, target.utilization!);
  const first = ratioOf(metrics);
  const out = (replicas: number): ResourceReplicas => ({
    replicas,
    ...(first.utilization !== undefined ? { utilization: first.utilization } : {}),
    rawAverage: first.raw,
  });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= TOLERANCE) return out(i.currentReplicas);
    return out(Math.ceil(first.ratio * g.ready));
  }
  if (g.missing.size > 0) {
    for (const name of g.missing) {
      if (first.ratio < 1)
        metrics.set(
          name,
          byValue ? (target.averageValue ?? 0) : ((requests.get(name) ?? 0) * Math.max(100, target.utilization!)) / 100,
        );
      else if (first.ratio > 1) metrics.set(name, 0);
    }
  }
  if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, 0);
  const next = ratioOf(metrics);
  if (
    Math.abs(1 - next.ratio) <= TOLERANCE ||
    (first.ratio < 1 && next.ratio > 1) ||
    (first.ratio > 1 && next.ratio < 1)
  )
    return out(i.currentReplicas);
  const replicas = Math.ceil(next.ratio * metrics.size);
  if ((next.ratio < 1 && replicas > i.currentReplicas) || (next.ratio > 1 && replicas < i.currentReplicas))
    return out(i.currentReplicas);
  return out(replicas);
}
