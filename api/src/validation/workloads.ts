/** DaemonSet and StatefulSet validation (apps/v1), with upstream's field paths and messages. */
import { canonical } from '../hash.js';
import type { KubeObject } from '../types.js';
import { forbidden, invalid, notSupported, required, type FieldError } from './errors.js';
import { asArray, asRecord, nonNegativeInt, validateObjectMeta } from './meta.js';
import { checkLabel } from '../names.js';
import { validateClaimSpec } from './storage.js';
import { validateResourceList } from './resources.js';
import { validatePodTemplate } from './pod.js';
import { selectorUnchanged, validateIntOrPercent, validateSelector, validateTemplateMatches } from './apps.js';

const UPDATE_TYPES = ['OnDelete', 'RollingUpdate'];

function validateTemplated(spec: Record<string, unknown>, what: string, extraVolumes: string[] = []): FieldError[] {
  const errs = validateSelector(spec.selector, 'spec.selector', what);
  errs.push(...nonNegativeInt(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegativeInt(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (spec.template === undefined || spec.template === null) errs.push(required('spec.template'));
  else {
    errs.push(...validateTemplateMatches(spec, 'spec'));
    errs.push(...validatePodTemplate(spec.template, 'spec.template', { restartPolicies: ['Always'], extraVolumes }));
  }
  return errs;
}

export function validateDaemonSet(ds: KubeObject): FieldError[] {
  const spec = asRecord(ds.spec);
  const errs = [...validateObjectMeta(ds.metadata, { namespaced: true }), ...validateTemplated(spec, 'daemonset')];
  const us = asRecord(spec.updateStrategy);
  if (us.type === undefined || us.type === '') errs.push(required('spec.updateStrategy.type'));
  else if (!UPDATE_TYPES.includes(String(us.type)))
    errs.push(notSupported('spec.updateStrategy.type', us.type, UPDATE_TYPES));
  if (us.type === 'RollingUpdate') {
    const ru = asRecord(us.rollingUpdate);
    errs.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
    errs.push(...validateIntOrPercent(ru.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge'));
    const zero = (v: unknown): boolean => v === 0 || v === '0%' || v === undefined || v === null;
    if (zero(ru.maxUnavailable) && zero(ru.maxSurge))
      errs.push(
        invalid(
          'spec.updateStrategy.rollingUpdate.maxUnavailable',
          ru.maxUnavailable ?? 0,
          'may not be 0 when `maxSurge` is 0',
        ),
      );
  }
  return errs;
}

export function validateDaemonSetUpdate(ds: KubeObject, old: KubeObject): FieldError[] {
  return [...validateDaemonSet(ds), ...selectorUnchanged(ds, old)];
}

const POD_MANAGEMENT = ['OrderedReady', 'Parallel'];

const RETENTION = ['Retain', 'Delete'];

/** Claim templates: named, each a valid claim spec; their names are volumes the template may mount. */
function validateClaimTemplates(spec: Record<string, unknown>): { errs: FieldError[]; names: string[] } {
  const errs: FieldError[] = [];
  const names: string[] = [];
  asArray(spec.volumeClaimTemplates).forEach((raw, i) => {
    const t = asRecord(raw);
    const f = `spec.volumeClaimTemplates[${i}]`;
    const name = asRecord(t.metadata).name;
    if (typeof name !== 'string' || name === '') errs.push(required(`${f}.metadata.name`));
    else {
      const msg = checkLabel(name);
      if (msg) errs.push(invalid(`${f}.metadata.name`, name, msg));
      names.push(name);
    }
    errs.push(...validateClaimSpec(t.spec, `${f}.spec`));
  });
  const policy = asRecord(spec.persistentVolumeClaimRetentionPolicy);
  for (const k of ['whenDeleted', 'whenScaled']) {
    const v = policy[k];
    if (v !== undefined && !RETENTION.includes(String(v)))
      errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, RETENTION));
  }
  errs.push(...nonNegativeInt(asRecord(spec.ordinals).start, 'spec.ordinals.start'));
  return { errs, names };
}

export function validateStatefulSet(sts: KubeObject): FieldError[] {
  const spec = asRecord(sts.spec);
  const claims = validateClaimTemplates(spec);
  const errs = [
    ...validateObjectMeta(sts.metadata, { namespaced: true }),
    ...validateTemplated(spec, 'statefulset', claims.names),
    ...claims.errs,
  ];
  errs.push(...nonNegativeInt(spec.replicas, 'spec.replicas'));
  if (spec.podManagementPolicy === undefined || spec.podManagementPolicy === '')
    errs.push(required('spec.podManagementPolicy', ''));
  else if (!POD_MANAGEMENT.includes(String(spec.podManagementPolicy)))
    errs.push(invalid('spec.podManagementPolicy', spec.podManagementPolicy, `must be 'OrderedReady' or 'Parallel'`));
  const us = asRecord(spec.updateStrategy);
  if (us.type === undefined || us.type === '') errs.push(required('spec.updateStrategy', ''));
  else if (!UPDATE_TYPES.includes(String(us.type)))
    errs.push(invalid('spec.updateStrategy', us.type, "must be 'RollingUpdate' or 'OnDelete'"));
  else if (us.type === 'OnDelete' && us.rollingUpdate)
    errs.push(
      invalid('spec.updateStrategy.rollingUpdate', '(object)', "only allowed for updateStrategy 'RollingUpdate'"),
    );
  errs.push(...nonNegativeInt(asRecord(us.rollingUpdate).partition, 'spec.updateStrategy.rollingUpdate.partition'));
  for (const [i, t] of asArray(spec.volumeClaimTemplates).entries()) {
    const r = asRecord(asRecord(asRecord(t).spec).resources);
    const f = `spec.volumeClaimTemplates[${i}].spec.resources`;
    errs.push(
      ...validateResourceList(r.requests, `${f}.requests`).errs,
      ...validateResourceList(r.limits, `${f}.limits`).errs,
    );
  }
  return errs;
}

/** Fields of a StatefulSet spec that may change after creation (upstream's list). */
const STS_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

export function validateStatefulSetUpdate(sts: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateStatefulSet(sts);
  const strip = (s: unknown): unknown => {
    const copy = { ...asRecord(s) };
    for (const k of STS_MUTABLE) delete copy[k];
    return canonical(copy);
  };
  if (JSON.stringify(strip(sts.spec)) !== JSON.stringify(strip(old.spec)))
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  else errs.push(...selectorUnchanged(sts, old));
  return errs;
}
