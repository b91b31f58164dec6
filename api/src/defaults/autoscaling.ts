/**
 * Upstream's autoscaling/v2 defaults: minReplicas 1, a CPU utilization target of 80 % when no
 * metric is given, and, when `behavior` is set, every missing rule filled with the defaults
 * (scale up: no stabilization, the larger of 4 pods or 100 % per 15 s; scale down: 300 s
 * stabilization, 100 % per 15 s).
 */
import type { HPAScalingRules } from '../autoscaling-types.js';
import type { KubeObject } from '../types.js';

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

const unset = (v: unknown): boolean => v === undefined || v === null;

export const DEFAULT_CPU_UTILIZATION = 80;

export const DEFAULT_SCALE_UP: Readonly<HPAScalingRules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};

export const DEFAULT_SCALE_DOWN: Readonly<HPAScalingRules> = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

function rules(given: unknown, defaults: Readonly<HPAScalingRules>): Obj {
  const r = rec(given);
  if (!r) return structuredClone(defaults) as Obj;
  if (unset(r.stabilizationWindowSeconds)) r.stabilizationWindowSeconds = defaults.stabilizationWindowSeconds;
  if (unset(r.selectPolicy)) r.selectPolicy = defaults.selectPolicy;
  if (unset(r.policies)) r.policies = structuredClone(defaults.policies);
  return r;
}

export function defaultHPA(hpa: KubeObject): void {
  const spec = rec(hpa.spec);
  if (!spec) return;
  if (unset(spec.minReplicas)) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } },
      },
    ];
  }
  const behavior = rec(spec.behavior);
  if (behavior) {
    behavior.scaleUp = rules(behavior.scaleUp, DEFAULT_SCALE_UP);
    behavior.scaleDown = rules(behavior.scaleDown, DEFAULT_SCALE_DOWN);
  }
}
