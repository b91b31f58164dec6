/** Deployment and ReplicaSet validation (apps/v1), with upstream's messages. */
import { canonical } from '../hash.js';
import { fromLabelSelector, matches } from '../labels.js';
import type { KubeObject, LabelSelector } from '../types.js';
import { GoRepr, forbidden, goStringMap, invalid, notSupported, required, type FieldError } from './errors.js';
import { asArray, asRecord, nonNegativeInt, qualifiedNameErrors, validateLabels, validateObjectMeta } from './meta.js';
import { validatePodTemplate } from './pod.js';

const SELECTOR_OPERATORS = ['DoesNotExist', 'Exists', 'In', 'NotIn'];

/** How Go prints a *metav1.LabelSelector with %#v (after dereferencing). */
export function goLabelSelector(sel: LabelSelector | undefined): GoRepr {
  const ml = sel?.matchLabels ? goStringMap(sel.matchLabels) : 'map[string]string(nil)';
  const exprs = sel?.matchExpressions;
  const me = exprs
    ? `[]v1.LabelSelectorRequirement{${exprs
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key)}, Operator:${JSON.stringify(e.operator)}, Values:${e.values ? `[]string{${e.values.map((v) => JSON.stringify(v)).join(', ')}}` : '[]string(nil)'}}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return new GoRepr(`v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`);
}

export function validateSelector(selRaw: unknown, field: string, what: string): FieldError[] {
  if (selRaw === undefined || selRaw === null) return [required(field)];
  const sel = asRecord(selRaw) as LabelSelector;
  const errs = validateLabels(sel.matchLabels, `${field}.matchLabels`);
  for (const [i, raw] of asArray(sel.matchExpressions).entries()) {
    const e = asRecord(raw);
    const f = `${field}.matchExpressions[${i}]`;
    for (const m of qualifiedNameErrors(String(e.key ?? ''))) errs.push(invalid(`${f}.key`, e.key ?? '', m));
    const values = asArray(e.values);
    if (!SELECTOR_OPERATORS.includes(String(e.operator)))
      errs.push(notSupported(`${f}.operator`, e.operator ?? '', ['In', 'NotIn', 'Exists', 'DoesNotExist']));
    else if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0)
      errs.push(required(`${f}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0)
      errs.push(forbidden(`${f}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  }
  if (Object.keys(sel.matchLabels ?? {}).length + asArray(sel.matchExpressions).length === 0)
    errs.push(invalid(field, goLabelSelector(sel), `empty selector is invalid for ${what}`));
  return errs;
}

/** The template labels must be selected by the selector (a missing selector selects nothing). */
export function validateTemplateMatches(spec: Record<string, unknown>, field: string): FieldError[] {
  const template = asRecord(spec.template);
  const labels = asRecord(asRecord(template.metadata).labels) as Record<string, string>;
  const rawLabels = asRecord(template.metadata).labels as Record<string, string> | undefined;
  if (spec.selector === undefined || spec.selector === null)
    return [
      invalid(
        `${field}.template.metadata.labels`,
        new GoRepr(goStringMap(rawLabels)),
        '`selector` does not match template `labels`',
      ),
    ];
  const sel = fromLabelSelector(asRecord(spec.selector) as LabelSelector);
  if (sel.length === 0) return [];
  if (!matches(sel, labels))
    return [
      invalid(
        `${field}.template.metadata.labels`,
        new GoRepr(goStringMap(rawLabels)),
        '`selector` does not match template `labels`',
      ),
    ];
  return [];
}

function validateWorkloadSpec(spec: Record<string, unknown>, what: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...nonNegativeInt(spec.replicas, 'spec.replicas'));
  errs.push(...validateSelector(spec.selector, 'spec.selector', what));
  errs.push(...nonNegativeInt(spec.minReadySeconds, 'spec.minReadySeconds'));
  if (spec.template === undefined || spec.template === null) errs.push(required('spec.template'));
  else {
    errs.push(...validateTemplateMatches(spec, 'spec'));
    errs.push(...validatePodTemplate(spec.template, 'spec.template', { restartPolicies: ['Always'] }));
  }
  return errs;
}

/** "25%" or 1: returns a message when the value is not a valid intstr percentage or count. */
export function validateIntOrPercent(v: unknown, field: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'number') return nonNegativeInt(v, field);
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (!m)
      return [
        invalid(
          field,
          v,
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ),
      ];
    if (Number(m[1]) > 100) return [invalid(field, v, 'must not be greater than 100%')];
    return [];
  }
  return [invalid(field, v, 'must be an integer or percentage')];
}

const isZero = (v: unknown): boolean => v === 0 || v === '0%' || v === '0';

export function validateDeployment(d: KubeObject): FieldError[] {
  const spec = asRecord(d.spec);
  const errs = [...validateObjectMeta(d.metadata, { namespaced: true }), ...validateWorkloadSpec(spec, 'deployment')];
  const strategy = asRecord(spec.strategy);
  if (strategy.type !== undefined && strategy.type !== 'RollingUpdate' && strategy.type !== 'Recreate')
    errs.push(notSupported('spec.strategy.type', strategy.type, ['Recreate', 'RollingUpdate']));
  if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null)
    errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  if (strategy.type === 'RollingUpdate') {
    const ru = asRecord(strategy.rollingUpdate);
    errs.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
    errs.push(...validateIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
    if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge))
      errs.push(
        invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'),
      );
  }
  errs.push(...nonNegativeInt(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  errs.push(...nonNegativeInt(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
  if (
    typeof spec.progressDeadlineSeconds === 'number' &&
    typeof spec.minReadySeconds === 'number' &&
    spec.progressDeadlineSeconds <= spec.minReadySeconds
  )
    errs.push(
      invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'),
    );
  return errs;
}

export function validateReplicaSet(rs: KubeObject): FieldError[] {
  return [
    ...validateObjectMeta(rs.metadata, { namespaced: true }),
    ...validateWorkloadSpec(asRecord(rs.spec), 'replicaset'),
  ];
}

/** apps/v1 selectors are immutable. */
export function selectorUnchanged(obj: KubeObject, old: KubeObject): FieldError[] {
  const a = asRecord(obj.spec).selector as LabelSelector | undefined;
  const b = asRecord(old.spec).selector as LabelSelector | undefined;
  if (JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b ?? {}))) return [];
  return [invalid('spec.selector', goLabelSelector(a), 'field is immutable')];
}

export function validateDeploymentUpdate(d: KubeObject, old: KubeObject): FieldError[] {
  return [...validateDeployment(d), ...selectorUnchanged(d, old)];
}

export function validateReplicaSetUpdate(rs: KubeObject, old: KubeObject): FieldError[] {
  return [...validateReplicaSet(rs), ...selectorUnchanged(rs, old)];
}
