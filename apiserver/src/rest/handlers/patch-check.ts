/**
 * What upstream checks of a PATCH, against the kind's schema:
 *  - JSON, merge and strategic merge patches: the patched object is decoded as a typed object; a
 *    wrong type, or (Strict) an unknown field the patch brought in or a duplicate key in the
 *    patch, is a 422 on the field "patch"; unknown fields are dropped. Fields already unknown in
 *    the stored object are not the patch's doing and are not reported (only dropped).
 *  - apply patches (server-side apply): the configuration must match the schema exactly, in
 *    every mode (`failed to create typed patch object (apps/v1, Kind=Deployment): .spec.foo:
 *    field not declared in schema`); duplicate keys follow fieldValidation.
 * Invalid quantities are a 422 naming their field, as on create.
 */
import { apiVersionOf, invalidError, type FieldError, type KubeObject, type ResourceInfo } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { fieldSchemaFor } from '../decode/field-schema.js';
import { strictMessage, unknownField, type FieldValidation } from '../decode/strict.js';
import { DecodeTypeError, decodeTyped, type TypedIssues } from '../decode/typed.js';
import type { PatchType } from '../media.js';

const MAX_SHOWN_VALUE = 2048;

/** Go's `%+v` of a decoded JSON value: `map[spec:map[replicas:3]]`, `[a b]`. */
export function goValueString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValueString).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goValueString(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

function shown(s: string): string {
  return s.length > MAX_SHOWN_VALUE ? `${s.slice(0, MAX_SHOWN_VALUE)}...` : s;
}

/** Upstream's 422 for a patch whose result its decoder refused. */
function patchInvalid(value: string, detail: string): ApiError {
  const err: FieldError = { type: 'FieldValueInvalid', field: 'patch', value: shown(value), hasValue: true, detail };
  return invalidError('', '', '', [err]);
}

function quantityInvalid(info: ResourceInfo, obj: Record<string, unknown>, errs: FieldError[]): ApiError {
  const name = (obj['metadata'] as { name?: unknown } | undefined)?.name;
  return invalidError(info.kind, info.group, typeof name === 'string' ? name : '', errs);
}

function issuesOf(info: ResourceInfo, obj: Record<string, unknown>, prune: boolean): TypedIssues | undefined {
  const fs = fieldSchemaFor(apiVersionOf(info), info.kind);
  return fs ? decodeTyped(fs, info.kind, obj, prune) : undefined;
}

/**
 * Checks and prunes the result of a JSON, merge or strategic merge patch; returns the strict
 * errors to warn about (Warn), throws them (Strict).
 */
export function checkPatched(
  info: ResourceInfo,
  type: PatchType,
  patchBody: unknown,
  current: KubeObject,
  next: KubeObject,
  mode: FieldValidation,
  patchStrict: readonly string[],
): string[] {
  const value = (): string => (type === 'strategic' ? goValueString(patchBody) : JSON.stringify(next));
  let issues: TypedIssues | undefined;
  try {
    issues = issuesOf(info, next as unknown as Record<string, unknown>, true);
  } catch (e) {
    if (e instanceof DecodeTypeError) throw patchInvalid(value(), e.message);
    throw e;
  }
  let before = new Set<string>();
  try {
    before = new Set(issuesOf(info, structuredClone(current) as unknown as Record<string, unknown>, false)?.unknown);
  } catch {
    // A stored object that does not decode: every unknown field counts as the patch's.
  }
  const errs = [...patchStrict, ...(issues?.unknown ?? []).filter((p) => !before.has(p)).map(unknownField)];
  if (errs.length && mode === 'Strict') throw patchInvalid(value(), strictMessage(errs));
  if (issues?.quantities.length)
    throw quantityInvalid(info, next as unknown as Record<string, unknown>, issues.quantities);
  return mode === 'Warn' ? errs : [];
}

/** `(apps/v1, Kind=Deployment)`, as a GroupVersionKind prints. */
const gvk = (info: ResourceInfo): string => `(${info.group}/${info.version}, Kind=${info.kind})`;

const SMD_TYPE: Record<string, string> = {
  string: 'string',
  bool: 'boolean',
  int32: 'numeric (int or float)',
  int64: 'numeric (int or float)',
  double: 'numeric (int or float)',
};

/** Checks an apply configuration; returns the strict errors to warn about. */
export function checkApplied(
  info: ResourceInfo,
  config: unknown,
  mode: FieldValidation,
  patchStrict: readonly string[],
): string[] {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return [];
  const prefix = `failed to create typed patch object ${gvk(info)}: `;
  let issues: TypedIssues | undefined;
  try {
    issues = issuesOf(info, structuredClone(config) as Record<string, unknown>, false);
  } catch (e) {
    if (!(e instanceof DecodeTypeError)) throw e;
    const expected =
      SMD_TYPE[e.expected] ??
      (e.expected.startsWith('[]') ? 'list' : e.expected.startsWith('map[') ? 'map' : e.expected);
    throw new ApiError('BadRequest', `${prefix}.${e.path}: expected ${expected}, got ${e.got}`);
  }
  const unknown = (issues?.unknown ?? []).map((p) => `.${p}: field not declared in schema`);
  if (unknown.length === 1) throw new ApiError('BadRequest', `${prefix}${unknown[0]}`);
  if (unknown.length > 1) throw new ApiError('BadRequest', `${prefix}errors:\n  ${unknown.join('\n  ')}`);
  if (patchStrict.length && mode === 'Strict')
    throw new ApiError('BadRequest', `error strict decoding YAML: ${patchStrict.join(', ')}`);
  if (issues?.quantities.length) throw quantityInvalid(info, config as Record<string, unknown>, issues.quantities);
  return mode === 'Warn' ? [...patchStrict] : [];
}
