/** ConfigMap, Secret and ServiceAccount validation (core/v1), with upstream's messages. */
import type { KubeObject } from '../types.js';
import { invalid, required, type FieldError } from './errors.js';
import { asRecord, validateObjectMeta } from './meta.js';

const KEY_RE = /^[-._a-zA-Z0-9]+$/;
const KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
/** Upstream's MaxSecretSize / ConfigMap size limit. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** Messages for a ConfigMap/Secret key; empty when valid. */
export function configKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!KEY_RE.test(key)) errs.push(KEY_MSG);
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

function validateKeys(map: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(asRecord(map)))
    for (const m of configKeyErrors(key)) errs.push(invalid(`${field}[${key}]`, key, m));
  return errs;
}

function immutableChecks(obj: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old['immutable'] !== true) return [];
  const errs: FieldError[] = [];
  if (obj['immutable'] !== true)
    errs.push({
      type: 'FieldValueForbidden',
      field: 'immutable',
      hasValue: false,
      detail: 'field is immutable when `immutable` is set',
    });
  for (const f of fields) {
    if (JSON.stringify(obj[f] ?? {}) !== JSON.stringify(old[f] ?? {}))
      errs.push({
        type: 'FieldValueForbidden',
        field: f,
        hasValue: false,
        detail: 'field is immutable when `immutable` is set',
      });
  }
  return errs;
}

export function validateConfigMap(cm: KubeObject): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, { namespaced: true });
  errs.push(...validateKeys(cm['data'], 'data'));
  errs.push(...validateKeys(cm['binaryData'], 'binaryData'));
  const data = asRecord(cm['data']);
  for (const key of Object.keys(asRecord(cm['binaryData']))) {
    if (key in data) errs.push(invalid(`binaryData[${key}]`, key, 'duplicate of key present in data'));
  }
  let size = 0;
  for (const v of Object.values(data)) size += typeof v === 'string' ? Buffer.byteLength(v) : 0;
  for (const v of Object.values(asRecord(cm['binaryData'])))
    size += typeof v === 'string' ? Math.floor((v.length * 3) / 4) : 0;
  if (size > MAX_CONFIG_BYTES)
    errs.push({
      type: 'FieldValueTooLong',
      field: '',
      hasValue: false,
      detail: `must have at most ${MAX_CONFIG_BYTES} bytes`,
    });
  return errs;
}

export function validateConfigMapUpdate(cm: KubeObject, old: KubeObject): FieldError[] {
  return [...validateConfigMap(cm), ...immutableChecks(cm, old, ['data', 'binaryData'])];
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function validateSecret(s: KubeObject): FieldError[] {
  const errs = validateObjectMeta(s.metadata, { namespaced: true });
  const data = asRecord(s['data']);
  errs.push(...validateKeys(data, 'data'));
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string' || !BASE64_RE.test(v))
      errs.push(invalid(`data[${k}]`, '<secret contents redacted>', 'must be base64-encoded'));
    else size += Math.floor((v.length * 3) / 4);
  }
  if (size > MAX_CONFIG_BYTES)
    errs.push({
      type: 'FieldValueTooLong',
      field: 'data',
      hasValue: false,
      detail: `must have at most ${MAX_CONFIG_BYTES} bytes`,
    });
  const type = typeof s['type'] === 'string' ? (s['type'] as string) : 'Opaque';
  const need = (key: string): void => {
    if (!(key in data)) errs.push(required(`data[${key}]`));
  };
  switch (type) {
    case 'kubernetes.io/service-account-token':
      if (!asRecord(s.metadata.annotations)['kubernetes.io/service-account.name'])
        errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      need('.dockerconfigjson');
      break;
    case 'kubernetes.io/dockercfg':
      need('.dockercfg');
      break;
    case 'kubernetes.io/tls':
      need('tls.crt');
      need('tls.key');
      break;
    case 'kubernetes.io/ssh-auth':
      need('ssh-privatekey');
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) errs.push(required('data[username]'));
      break;
  }
  return errs;
}

export function validateSecretUpdate(s: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateSecret(s);
  if ((s['type'] ?? 'Opaque') !== (old['type'] ?? 'Opaque'))
    errs.push(invalid('type', s['type'] ?? '', 'field is immutable'));
  return [...errs, ...immutableChecks(s, old, ['data'])];
}

export function validateServiceAccount(sa: KubeObject): FieldError[] {
  return validateObjectMeta(sa.metadata, { namespaced: true });
}
