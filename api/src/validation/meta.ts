/** ObjectMeta validation and the name/label/port-name checks behind it (upstream's messages). */
import { isIP } from 'node:net';
import { checkLabel, checkSubdomain } from '../names.js';
import type { ObjectMeta } from '../types.js';
import { invalid, required, type FieldError } from './errors.js';

const MAX_LEN = (n: number): string => `must be no more than ${n} characters`;

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  const eg = examples.length
    ? ` (e.g. ${examples.map((e) => `'${e}'`).join(',  or ')}, regex used for validation is '${fmt}')`
    : ` (regex used for validation is '${fmt}')`;
  return msg + eg;
}

const QUALIFIED_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_RE = new RegExp(`^${QUALIFIED_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const DNS1035_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Messages for a qualified name ("example.com/MyName"); empty when valid. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  const errs: string[] = [];
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (!prefix) errs.push('prefix part must be non-empty');
    else {
      const m = checkSubdomain(prefix);
      if (m) errs.push(`prefix part ${m}`);
    }
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_MSG, QUALIFIED_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (!name) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${MAX_LEN(63)}`);
  if (!QUALIFIED_RE.test(name))
    errs.push(`name part ${regexError(QUALIFIED_MSG, QUALIFIED_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(MAX_LEN(63));
  if (!LABEL_VALUE_RE.test(value))
    errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** Upstream's DNS-1035 label check (Service names). */
export function checkDns1035(name: string): string | undefined {
  if (name.length > 63) return MAX_LEN(63);
  if (!DNS1035_RE.test(name))
    return regexError(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
      '[a-z]([-a-z0-9]*[a-z0-9])?',
      'my-name',
      'abc-123',
    );
  return undefined;
}

/** IANA service name (container port names, named target ports). */
export function portNameErrors(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(MAX_LEN(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.startsWith('-') || port.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

export const IP_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

export function isValidIP(s: unknown): boolean {
  return typeof s === 'string' && isIP(s) !== 0;
}

export const PORT_RANGE_ERROR = 'must be between 1 and 65535, inclusive';

export function isValidPort(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
}

export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels))
    return [invalid(field, labels, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const m of qualifiedNameErrors(k)) errs.push(invalid(field, k, m));
    if (typeof v !== 'string') errs.push(invalid(field, v, 'must be a string'));
    else for (const m of labelValueErrors(v)) errs.push(invalid(field, v, m));
  }
  return errs;
}

function validateAnnotations(ann: unknown, field: string): FieldError[] {
  if (ann === undefined || ann === null) return [];
  if (typeof ann !== 'object' || Array.isArray(ann))
    return [invalid(field, ann, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(ann as Record<string, unknown>)) {
    for (const m of qualifiedNameErrors(k.toLowerCase())) errs.push(invalid(field, k, m));
    size += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (size > 256 * 1024)
    errs.push({ type: 'FieldValueTooLong', field, hasValue: false, detail: `must have at most ${256 * 1024} bytes` });
  return errs;
}

function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) return [invalid(field, refs, 'must be a list')];
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  for (const r of refs as Record<string, unknown>[]) {
    const apiVersion = typeof r?.apiVersion === 'string' ? r.apiVersion : '';
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
    if (!version) errs.push(invalid(`${field}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!r?.kind) errs.push(invalid(`${field}.kind`, r?.kind ?? '', 'kind must not be empty'));
    if (!r?.name) errs.push(invalid(`${field}.name`, r?.name ?? '', 'name must not be empty'));
    if (!r?.uid) errs.push(invalid(`${field}.uid`, r?.uid ?? '', 'uid must not be empty'));
    if (r?.controller === true) controllers.push(String(r.name));
  }
  if (controllers.length > 1)
    errs.push(
      invalid(
        field,
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`,
      ),
    );
  return errs;
}

export interface MetaRules {
  /** Name check returning upstream's message (default: RFC 1123 subdomain). */
  checkName?: (name: string) => string | undefined;
  namespaced: boolean;
}

export function validateObjectMeta(meta: ObjectMeta | undefined, rules: MetaRules, field = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const m = meta ?? {};
  const check = rules.checkName ?? checkSubdomain;
  if (!m.name) {
    if (!m.generateName) errs.push(required(`${field}.name`, 'name or generateName is required'));
  } else {
    const msg = check(m.name);
    if (msg) errs.push(invalid(`${field}.name`, m.name, msg));
  }
  if (rules.namespaced && m.namespace) {
    const msg = checkLabel(m.namespace);
    if (msg) errs.push(invalid(`${field}.namespace`, m.namespace, msg));
  }
  errs.push(...validateLabels(m.labels, `${field}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${field}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${field}.ownerReferences`));
  if (m.finalizers !== undefined && !Array.isArray(m.finalizers))
    errs.push(invalid(`${field}.finalizers`, m.finalizers, 'must be a list of strings'));
  for (const [i, f] of (Array.isArray(m.finalizers) ? m.finalizers : []).entries()) {
    for (const msg of qualifiedNameErrors(String(f))) errs.push(invalid(`${field}.finalizers[${i}]`, f, msg));
  }
  return errs;
}

/** `spec.replicas: Invalid value: -1: must be greater than or equal to 0` for optional integers. */
export function nonNegativeInt(v: unknown, field: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'number' || !Number.isInteger(v)) return [invalid(field, v, 'must be an integer')];
  if (v < 0) return [invalid(field, v, 'must be greater than or equal to 0')];
  return [];
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asRecord(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
