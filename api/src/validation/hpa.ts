/** HorizontalPodAutoscaler (autoscaling/v2) validation, with upstream's field paths and messages. */
import { tryParseQuantity } from '../quantity.js';
import type { KubeObject } from '../types.js';
import { invalid, notSupported, required, type FieldError } from './errors.js';
import { asArray, asRecord, validateObjectMeta } from './meta.js';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const TARGET_TYPES = ['AverageValue', 'Utilization', 'Value'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];
const SOURCE_KEY: Record<string, string> = {
  Resource: 'resource',
  ContainerResource: 'containerResource',
  Pods: 'pods',
  Object: 'object',
  External: 'external',
};

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function validateTarget(raw: unknown, field: string, resource: boolean): FieldError[] {
  const t = asRecord(raw);
  const errs: FieldError[] = [];
  if (!t.type) errs.push(required(`${field}.type`, 'must specify a metric target type'));
  else if (!TARGET_TYPES.includes(String(t.type))) errs.push(notSupported(`${field}.type`, t.type, TARGET_TYPES));
  if (t.type === 'Utilization' && !resource)
    errs.push(
      invalid(`${field}.type`, t.type, 'Utilization is only supported for Resource and ContainerResource metrics'),
    );
  if (t.averageUtilization !== undefined && (!isInt(t.averageUtilization) || t.averageUtilization < 1))
    errs.push(invalid(`${field}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  for (const k of ['value', 'averageValue'] as const) {
    if (t[k] === undefined) continue;
    const q = tryParseQuantity(t[k] as string);
    if (q === undefined || q <= 0) errs.push(invalid(`${field}.${k}`, t[k], 'must be positive'));
  }
  if (t.type === 'Utilization' && t.averageUtilization === undefined)
    errs.push(required(`${field}.averageUtilization`, 'must set either a target raw value or a target utilization'));
  if (t.type === 'AverageValue' && t.averageValue === undefined)
    errs.push(required(`${field}.averageValue`, 'must set either a target raw value or a target utilization'));
  if (t.type === 'Value' && t.value === undefined)
    errs.push(required(`${field}.value`, 'must set either a target raw value or a target utilization'));
  return errs;
}

function validateMetric(raw: unknown, field: string): FieldError[] {
  const m = asRecord(raw);
  const type = String(m.type ?? '');
  if (!type) return [required(`${field}.type`, 'must specify a metric source type')];
  if (!METRIC_TYPES.includes(type)) return [notSupported(`${field}.type`, type, METRIC_TYPES)];
  const key = SOURCE_KEY[type]!;
  const errs: FieldError[] = [];
  for (const [t, k] of Object.entries(SOURCE_KEY))
    if (t !== type && m[k] !== undefined)
      errs.push(invalid(`${field}.${k}`, '(object)', `must populate the given metric source only`));
  if (m[key] === undefined || m[key] === null)
    return [...errs, required(`${field}.${key}`, `must populate information for the given metric source`)];
  const src = asRecord(m[key]);
  const resource = type === 'Resource' || type === 'ContainerResource';
  if (resource && !src.name) errs.push(required(`${field}.${key}.name`, 'must specify a resource name'));
  if (type === 'ContainerResource' && !src.container)
    errs.push(required(`${field}.${key}.container`, 'must specify a container'));
  if (!resource && !asRecord(src.metric).name)
    errs.push(required(`${field}.${key}.metric.name`, 'must specify a metric name'));
  errs.push(...validateTarget(src.target, `${field}.${key}.target`, resource));
  return errs;
}

function validateRules(raw: unknown, field: string): FieldError[] {
  if (raw === undefined || raw === null) return [];
  const r = asRecord(raw);
  const errs: FieldError[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (!isInt(w) || w < 0))
    errs.push(invalid(`${field}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  else if (isInt(w) && w > 3600)
    errs.push(invalid(`${field}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600'));
  if (r.selectPolicy !== undefined && !SELECT_POLICIES.includes(String(r.selectPolicy)))
    errs.push(notSupported(`${field}.selectPolicy`, r.selectPolicy, SELECT_POLICIES));
  const policies = asArray(r.policies);
  if (policies.length === 0) errs.push(required(`${field}.policies`, 'must specify at least one Policy'));
  policies.forEach((raw, i) => {
    const p = asRecord(raw);
    const f = `${field}.policies[${i}]`;
    if (!POLICY_TYPES.includes(String(p.type))) errs.push(notSupported(`${f}.type`, p.type ?? '', POLICY_TYPES));
    if (!isInt(p.value) || p.value <= 0) errs.push(invalid(`${f}.value`, p.value ?? 0, 'must be greater than zero'));
    if (!isInt(p.periodSeconds) || p.periodSeconds <= 0)
      errs.push(invalid(`${f}.periodSeconds`, p.periodSeconds ?? 0, 'must be greater than zero'));
    else if (p.periodSeconds > 1800)
      errs.push(invalid(`${f}.periodSeconds`, p.periodSeconds, 'must be less than or equal to 1800'));
  });
  return errs;
}

export function validateHorizontalPodAutoscaler(hpa: KubeObject): FieldError[] {
  const errs = validateObjectMeta(hpa.metadata, { namespaced: true });
  const spec = asRecord(hpa.spec);
  const ref = asRecord(spec.scaleTargetRef);
  if (!ref.kind) errs.push(required('spec.scaleTargetRef.kind'));
  if (!ref.name) errs.push(required('spec.scaleTargetRef.name'));
  else if (String(ref.name).includes('/') || ref.name === '.' || ref.name === '..')
    errs.push(invalid('spec.scaleTargetRef.name', ref.name, "may not contain '/'"));
  const min = spec.minReplicas;
  const max = spec.maxReplicas;
  if (min !== undefined && min !== null && (!isInt(min) || min < 1))
    errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (!isInt(max) || max < 1) errs.push(invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (isInt(min) && max < min)
    errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  asArray(spec.metrics).forEach((m, i) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  const behavior = asRecord(spec.behavior);
  errs.push(
    ...validateRules(behavior.scaleUp, 'spec.behavior.scaleUp'),
    ...validateRules(behavior.scaleDown, 'spec.behavior.scaleDown'),
  );
  return errs;
}
