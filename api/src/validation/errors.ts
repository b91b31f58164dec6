/**
 * Field errors the way upstream prints them (`spec.replicas: Invalid value: -1: must be greater
 * than or equal to 0`), and the 422 Invalid ApiError that aggregates them.
 */
import { ApiError } from '@kubelab/proto';

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueNotFound';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** Present when upstream prints the offending value. */
  value?: unknown;
  hasValue: boolean;
  detail: string;
}

const TITLE: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueNotFound: 'Not found',
};

export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, hasValue: false, detail };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, hasValue: true, detail };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const detail = supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '';
  return { type: 'FieldValueNotSupported', field, value, hasValue: true, detail };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value, hasValue: true, detail: '' };
}

export function notFoundValue(field: string, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, value, hasValue: true, detail: '' };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, hasValue: false, detail };
}

/**
 * A value as Go's fmt prints it in field errors: numbers and booleans bare, strings quoted,
 * string maps as map[string]string{"a":"b"}, string lists as []string{"a"}.
 */
export function goValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
    return JSON.stringify(v);
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.every(([, x]) => typeof x === 'string')) {
      const body = entries
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`)
        .join(', ');
      return `map[string]string{${body}}`;
    }
    return JSON.stringify(v);
  }
  return String(v);
}

/** A nil-able string map as Go prints it: map[string]string(nil) when absent. */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  return m ? goValue(m) : 'map[string]string(nil)';
}

/** The part after the field path: "Invalid value: -1: must be ...". */
export function errorBody(e: FieldError): string {
  let s = TITLE[e.type];
  if (e.hasValue) s += `: ${e.value instanceof GoRepr ? e.value.text : goValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/** A value whose printed form is given verbatim (e.g. a Go struct rendering). */
export class GoRepr {
  constructor(readonly text: string) {}
}

/**
 * The 422 error for a failed validation: `Deployment.apps "web" is invalid: spec.selector:
 * Required value`, several errors as `[a, b]` (identical messages once, as upstream does).
 */
export function invalidError(kind: string, group: string, name: string, errs: readonly FieldError[]): ApiError {
  const qualified = group ? `${kind}.${group}` : kind;
  const msgs = [...new Set(errs.map(fieldErrorString))];
  const agg = msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`;
  const message = msgs.length ? `${qualified} "${name}" is invalid: ${agg}` : `${qualified} "${name}" is invalid`;
  return new ApiError('Invalid', message, {
    name,
    group: group || undefined,
    kind,
    causes: errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field })),
  });
}
