/**
 * PersistentVolume, PersistentVolumeClaim (and claim templates) and StorageClass validation, with
 * upstream's field paths and messages (pkg/apis/core/validation, pkg/apis/storage/validation).
 */
import { canonical } from '../hash.js';
import { checkSubdomain } from '../names.js';
import { tryParseQuantity } from '../quantity.js';
import type { KubeObject } from '../types.js';
import { forbidden, invalid, notSupported, required, type FieldError } from './errors.js';
import { asArray, asRecord, qualifiedNameErrors, validateObjectMeta } from './meta.js';
import { validateSelector } from './apps.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const CLASS_RECLAIM_POLICIES = ['Delete', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
/** The PV sources kubelab knows by name (the first is the one a volume may have only once). */
const PV_SOURCES = [
  'hostPath',
  'local',
  'csi',
  'nfs',
  'iscsi',
  'fc',
  'cephfs',
  'rbd',
  'glusterfs',
  'flexVolume',
  'awsElasticBlockStore',
  'gcePersistentDisk',
  'azureDisk',
  'azureFile',
  'vsphereVolume',
  'cinder',
];

const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

function accessModes(v: unknown, field: string, requiredDetail: string): FieldError[] {
  const modes = asArray(v);
  if (modes.length === 0) return [required(field, requiredDetail)];
  const errs: FieldError[] = [];
  for (const m of modes) if (!ACCESS_MODES.includes(String(m))) errs.push(notSupported(field, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1)
    errs.push(forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function className(v: unknown, field: string): FieldError[] {
  if (v === undefined || v === null || v === '') return [];
  const msg = checkSubdomain(String(v));
  return msg ? [invalid(field, v, msg)] : [];
}

function volumeMode(v: unknown, field: string): FieldError[] {
  return v !== undefined && v !== null && !VOLUME_MODES.includes(String(v))
    ? [notSupported(field, v, VOLUME_MODES)]
    : [];
}

function positiveQuantity(v: unknown, field: string): FieldError[] {
  const q = tryParseQuantity(v as string | number | undefined);
  if (q === undefined)
    return [
      invalid(
        field,
        v ?? '',
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ),
    ];
  return q > 0 ? [] : [invalid(field, v, 'must be greater than zero')];
}

function nodeAffinity(v: unknown, field: string): FieldError[] {
  if (v === undefined || v === null) return [];
  const req = asRecord(asRecord(v).required);
  const terms = asArray(req.nodeSelectorTerms);
  if (terms.length === 0)
    return [required(`${field}.required.nodeSelectorTerms`, 'must have at least one node selector term')];
  const errs: FieldError[] = [];
  terms.forEach((t, i) => {
    asArray(asRecord(t).matchExpressions).forEach((e, j) => {
      const r = asRecord(e);
      const f = `${field}.required.nodeSelectorTerms[${i}].matchExpressions[${j}]`;
      if (!r.key) errs.push(required(`${f}.key`));
      const ops = ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'];
      if (!ops.includes(String(r.operator))) errs.push(notSupported(`${f}.operator`, r.operator ?? '', ops));
      else if ((r.operator === 'In' || r.operator === 'NotIn') && asArray(r.values).length === 0)
        errs.push(required(`${f}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    });
  });
  return errs;
}

/** The one volume source of a PersistentVolume, checked. */
function volumeSource(spec: Record<string, unknown>, errs: FieldError[]): string | undefined {
  const given = PV_SOURCES.filter((k) => spec[k] !== undefined && spec[k] !== null);
  if (given.length === 0) {
    errs.push(required('spec', 'must specify a volume type'));
    return undefined;
  }
  for (const extra of given.slice(1)) errs.push(forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  const src = given[0]!;
  const s = asRecord(spec[src]);
  if ((src === 'hostPath' || src === 'local') && !s.path) errs.push(required(`spec.${src}.path`));
  if (src === 'csi') {
    if (!s.driver) errs.push(required('spec.csi.driver'));
    if (!s.volumeHandle) errs.push(required('spec.csi.volumeHandle'));
  }
  if (src === 'local' && !spec.nodeAffinity)
    errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  return src;
}

export function validatePersistentVolume(pv: KubeObject): FieldError[] {
  const errs = validateObjectMeta(pv.metadata, { namespaced: false });
  const spec = asRecord(pv.spec);
  errs.push(...accessModes(spec.accessModes, 'spec.accessModes', ''));
  const capacity = asRecord(spec.capacity);
  if (Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  for (const [k, v] of Object.entries(capacity)) {
    if (k !== 'storage') errs.push(notSupported('spec.capacity', k, ['storage']));
    else errs.push(...positiveQuantity(v, 'spec.capacity[storage]'));
  }
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !RECLAIM_POLICIES.includes(String(policy)))
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  const src = volumeSource(spec, errs);
  if (policy === 'Recycle' && src !== 'hostPath' && src !== 'nfs')
    errs.push(
      forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a volume other than hostPath or nfs"),
    );
  errs.push(...className(spec.storageClassName, 'spec.storageClassName'));
  errs.push(...volumeMode(spec.volumeMode, 'spec.volumeMode'));
  errs.push(...nodeAffinity(spec.nodeAffinity, 'spec.nodeAffinity'));
  const claimRef = spec.claimRef;
  if (claimRef !== undefined && claimRef !== null && !asRecord(claimRef).name)
    errs.push(required('spec.claimRef.name'));
  return errs;
}

export function validatePersistentVolumeUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePersistentVolume(pv);
  const spec = asRecord(pv.spec);
  const prev = asRecord(old.spec);
  if (PV_SOURCES.some((k) => !same(spec[k], prev[k])))
    errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if ((spec.volumeMode ?? 'Filesystem') !== (prev.volumeMode ?? 'Filesystem'))
    errs.push(invalid('spec.volumeMode', spec.volumeMode ?? '', 'field is immutable'));
  if (prev.nodeAffinity !== undefined && !same(spec.nodeAffinity, prev.nodeAffinity))
    errs.push(invalid('spec.nodeAffinity', '(object)', 'field is immutable'));
  return errs;
}

/** A claim's spec (also a StatefulSet's claim template, under `field`). */
export function validateClaimSpec(specRaw: unknown, field: string): FieldError[] {
  const spec = asRecord(specRaw);
  const errs: FieldError[] = [];
  if (!spec.dataSource && !spec.dataSourceRef)
    errs.push(...accessModes(spec.accessModes, `${field}.accessModes`, 'at least 1 access mode is required'));
  else if (asArray(spec.accessModes).length > 0)
    errs.push(...accessModes(spec.accessModes, `${field}.accessModes`, ''));
  if (spec.selector !== undefined && spec.selector !== null) {
    errs.push(
      ...validateSelector(spec.selector, `${field}.selector`, 'claim').filter(
        (e) => !e.detail.startsWith('empty selector'),
      ),
    );
  }
  const requests = asRecord(asRecord(spec.resources).requests);
  if (requests.storage === undefined) errs.push(required(`${field}.resources[storage]`));
  else errs.push(...positiveQuantity(requests.storage, `${field}.resources[storage]`));
  errs.push(...className(spec.storageClassName, `${field}.storageClassName`));
  errs.push(...volumeMode(spec.volumeMode, `${field}.volumeMode`));
  return errs;
}

export function validatePersistentVolumeClaim(pvc: KubeObject): FieldError[] {
  return [...validateObjectMeta(pvc.metadata, { namespaced: true }), ...validateClaimSpec(pvc.spec, 'spec')];
}

export const CLAIM_UPDATE_FORBIDDEN =
  'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

/**
 * A claim's spec is immutable, except: the binder sets volumeName on an unbound claim, a missing
 * storageClassName may be set (retroactive default class), and a bound claim may ask for more
 * storage.
 */
export function validatePersistentVolumeClaimUpdate(pvc: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePersistentVolumeClaim(pvc);
  const next = structuredClone(asRecord(pvc.spec));
  const prev = structuredClone(asRecord(old.spec));
  const ignore = (key: string): void => {
    delete next[key];
    delete prev[key];
  };
  if (!prev.volumeName) ignore('volumeName');
  if (prev.storageClassName === undefined || prev.storageClassName === null) ignore('storageClassName');
  const bound = asRecord(old.status).phase === 'Bound';
  const storage = (spec: Record<string, unknown>): number =>
    tryParseQuantity(asRecord(asRecord(spec.resources).requests).storage as string | undefined) ?? 0;
  const [was, now] = [storage(prev), storage(next)];
  if (bound)
    for (const spec of [next, prev])
      if (spec.resources) spec.resources = { ...asRecord(spec.resources), requests: undefined };
  if (!same(next, prev)) errs.push(forbidden('spec', CLAIM_UPDATE_FORBIDDEN));
  else if (bound && now < was)
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  return errs;
}

export function validateStorageClass(sc: KubeObject): FieldError[] {
  const errs = validateObjectMeta(sc.metadata, { namespaced: false });
  const provisioner = sc['provisioner'];
  if (typeof provisioner !== 'string' || provisioner === '') errs.push(required('provisioner'));
  else for (const m of qualifiedNameErrors(provisioner)) errs.push(invalid('provisioner', provisioner, m));
  const params = asRecord(sc['parameters']);
  if (Object.keys(params).length > 512) errs.push(invalid('parameters', '(map)', 'max number of parameters is 512'));
  for (const k of Object.keys(params))
    if (k === '') errs.push(invalid('parameters', k, 'key must be a non-empty string'));
  const policy = sc['reclaimPolicy'];
  if (policy !== undefined && !CLASS_RECLAIM_POLICIES.includes(String(policy)))
    errs.push(notSupported('reclaimPolicy', policy, CLASS_RECLAIM_POLICIES));
  const mode = sc['volumeBindingMode'];
  if (mode === undefined || mode === null) errs.push(required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(String(mode))) errs.push(notSupported('volumeBindingMode', mode, BINDING_MODES));
  return errs;
}

export function validateStorageClassUpdate(sc: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateStorageClass(sc);
  if (!same(sc['parameters'], old['parameters']))
    errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc['provisioner'] !== old['provisioner'])
    errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc['reclaimPolicy'] !== old['reclaimPolicy'])
    errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc['volumeBindingMode'] !== old['volumeBindingMode'])
    errs.push(invalid('volumeBindingMode', sc['volumeBindingMode'] ?? '', 'field is immutable'));
  return errs;
}

/** A pod's persistentVolumeClaim volume source (called from the pod spec's volume loop). */
export function validateClaimVolumeSource(volume: Record<string, unknown>, field: string): FieldError[] {
  const src = volume.persistentVolumeClaim;
  if (src === undefined || src === null) return [];
  const name = asRecord(src).claimName;
  if (typeof name !== 'string' || name === '') return [required(`${field}.persistentVolumeClaim.claimName`)];
  return [];
}
