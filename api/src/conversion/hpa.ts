/**
 * autoscaling/v1 ⇄ autoscaling/v2 HorizontalPodAutoscalers, as upstream converts them: v1 knows
 * only a CPU utilization target, so every other metric, the current metrics, the conditions and
 * the behavior travel in v1 as JSON annotations (`autoscaling.alpha.kubernetes.io/*`), and come
 * back from them. Pure; both directions keep fields they do not know.
 */
import type { KubeObject } from '../types.js';

export const HPA_ANNOTATIONS = {
  metrics: 'autoscaling.alpha.kubernetes.io/metrics',
  currentMetrics: 'autoscaling.alpha.kubernetes.io/current-metrics',
  conditions: 'autoscaling.alpha.kubernetes.io/conditions',
  behavior: 'autoscaling.alpha.kubernetes.io/behavior',
} as const;

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] =>
  Array.isArray(v) ? v.filter((e): e is Obj => e !== null && typeof e === 'object') : [];

function isCpuUtilization(m: Obj): boolean {
  const r = rec(m['resource']);
  return m['type'] === 'Resource' && r['name'] === 'cpu' && rec(r['target'])['type'] === 'Utilization';
}

/** A v2 metric in v1's annotation shape (targetAverageUtilization / targetAverageValue). */
function metricToV1(m: Obj): Obj {
  for (const key of ['resource', 'containerResource'] as const) {
    if (m[key] === undefined) continue;
    const src = rec(m[key]);
    const target = rec(src['target']);
    const { target: _t, ...rest } = src;
    const out: Obj = { ...rest };
    if (target['averageUtilization'] !== undefined) out['targetAverageUtilization'] = target['averageUtilization'];
    if (target['averageValue'] !== undefined) out['targetAverageValue'] = target['averageValue'];
    return { type: m['type'], [key]: out };
  }
  return m;
}

function metricFromV1(m: Obj): Obj {
  for (const key of ['resource', 'containerResource'] as const) {
    if (m[key] === undefined) continue;
    const src = rec(m[key]);
    const { targetAverageUtilization: u, targetAverageValue: v, ...rest } = src;
    const target: Obj =
      u !== undefined ? { type: 'Utilization', averageUtilization: u } : { type: 'AverageValue', averageValue: v };
    return { type: m['type'], [key]: { ...rest, target } };
  }
  return m;
}

function currentToV1(m: Obj): Obj {
  for (const key of ['resource', 'containerResource'] as const) {
    if (m[key] === undefined) continue;
    const src = rec(m[key]);
    const cur = rec(src['current']);
    const { current: _c, ...rest } = src;
    const out: Obj = { ...rest };
    if (cur['averageUtilization'] !== undefined) out['currentAverageUtilization'] = cur['averageUtilization'];
    out['currentAverageValue'] = cur['averageValue'] ?? '0';
    return { type: m['type'], [key]: out };
  }
  return m;
}

function currentFromV1(m: Obj): Obj {
  for (const key of ['resource', 'containerResource'] as const) {
    if (m[key] === undefined) continue;
    const { currentAverageUtilization: u, currentAverageValue: v, ...rest } = rec(m[key]);
    const current: Obj = {};
    if (u !== undefined) current['averageUtilization'] = u;
    if (v !== undefined) current['averageValue'] = v;
    return { type: m['type'], [key]: { ...rest, current } };
  }
  return m;
}

function parseAnnotation(annotations: Record<string, string>, key: string): unknown {
  const raw = annotations[key];
  delete annotations[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function setAnnotation(annotations: Record<string, string>, key: string, value: unknown): void {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) delete annotations[key];
  else annotations[key] = JSON.stringify(value);
}

function withAnnotations(obj: KubeObject, annotations: Record<string, string>): KubeObject['metadata'] {
  const meta = { ...obj.metadata };
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  else delete meta.annotations;
  return meta;
}

/** A stored (v2) HorizontalPodAutoscaler as autoscaling/v1 shows it. */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  const metrics = arr(spec['metrics']);
  const cpu = metrics.find(isCpuUtilization);
  setAnnotation(annotations, HPA_ANNOTATIONS.metrics, metrics.filter((m) => m !== cpu).map(metricToV1));
  setAnnotation(annotations, HPA_ANNOTATIONS.behavior, spec['behavior']);
  const { metrics: _m, behavior: _b, ...specRest } = spec;
  const v1Spec: Obj = { ...specRest };
  if (cpu) v1Spec['targetCPUUtilizationPercentage'] = rec(rec(cpu['resource'])['target'])['averageUtilization'];

  const current = arr(status['currentMetrics']);
  const cpuNow = current.find((m) => m['type'] === 'Resource' && rec(m['resource'])['name'] === 'cpu');
  setAnnotation(annotations, HPA_ANNOTATIONS.currentMetrics, current.filter((m) => m !== cpuNow).map(currentToV1));
  setAnnotation(annotations, HPA_ANNOTATIONS.conditions, status['conditions']);
  const { currentMetrics: _cm, conditions: _c, ...statusRest } = status;
  const v1Status: Obj = { ...statusRest };
  if (v1Status['currentReplicas'] === undefined) v1Status['currentReplicas'] = 0;
  if (v1Status['desiredReplicas'] === undefined) v1Status['desiredReplicas'] = 0;
  const util = rec(rec(cpuNow?.['resource'])['current'])['averageUtilization'];
  if (util !== undefined) v1Status['currentCPUUtilizationPercentage'] = util;
  return {
    ...obj,
    apiVersion: 'autoscaling/v1',
    metadata: withAnnotations(obj, annotations),
    spec: v1Spec,
    status: v1Status,
  };
}

/** An autoscaling/v1 HorizontalPodAutoscaler as it is stored (v2). */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  const { targetCPUUtilizationPercentage: cpu, ...specRest } = spec;
  const metrics = arr(parseAnnotation(annotations, HPA_ANNOTATIONS.metrics)).map(metricFromV1);
  if (typeof cpu === 'number')
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } },
    });
  const v2Spec: Obj = { ...specRest };
  if (metrics.length > 0) v2Spec['metrics'] = metrics;
  const behavior = parseAnnotation(annotations, HPA_ANNOTATIONS.behavior);
  if (behavior !== undefined) v2Spec['behavior'] = behavior;

  const { currentCPUUtilizationPercentage: util, ...statusRest } = status;
  const current = arr(parseAnnotation(annotations, HPA_ANNOTATIONS.currentMetrics)).map(currentFromV1);
  if (typeof util === 'number')
    current.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: util } } });
  const v2Status: Obj = { ...statusRest };
  if (current.length > 0) v2Status['currentMetrics'] = current;
  const conditions = parseAnnotation(annotations, HPA_ANNOTATIONS.conditions);
  if (Array.isArray(conditions)) v2Status['conditions'] = conditions;
  const out: KubeObject = {
    ...obj,
    apiVersion: 'autoscaling/v2',
    metadata: withAnnotations(obj, annotations),
    spec: v2Spec,
  };
  if (obj.status !== undefined) out.status = v2Status;
  return out;
}
