/**
 * `fieldValidation` as upstream: Strict turns unknown and duplicate fields into an error, Warn
 * (the default when the parameter is absent) into `Warning: 299 - "unknown field ..."` headers,
 * which kubectl prints, Ignore drops them silently. In every mode unknown fields are not stored.
 */
import type { ServerResponse } from 'node:http';
import { invalidError, type FieldError } from '@kubelab/api';
import type { ApiError } from '@kubelab/proto';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';
export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

const ALLOWED = ['', 'Ignore', 'Strict', 'Warn'];

/** The directive of a write; anything else is upstream's 422 on the options object. */
export function fieldValidationOf(q: URLSearchParams, options: OptionsKind): FieldValidation {
  const v = q.get('fieldValidation') ?? '';
  if (!ALLOWED.includes(v)) {
    const err: FieldError = {
      type: 'FieldValueNotSupported',
      field: 'fieldValidation',
      value: v,
      hasValue: true,
      detail: `supported values: ${ALLOWED.map((a) => JSON.stringify(a)).join(', ')}`,
    };
    throw invalidError(options, 'meta.k8s.io', '', [err]);
  }
  return v === '' ? 'Warn' : (v as FieldValidation);
}

export const unknownField = (path: string): string => `unknown field ${JSON.stringify(path)}`;
export const duplicateField = (path: string): string => `duplicate field ${JSON.stringify(path)}`;
export const strictMessage = (errs: readonly string[]): string => `strict decoding error: ${errs.join(', ')}`;

/** At most this many warnings of at most this many characters: clients cap response headers. */
const MAX_WARNINGS = 20;
const MAX_WARNING_CHARS = 256;

/** Go's strconv.Quote of a warning text: printable ASCII only, as a header must be. */
function quote(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Adds `Warning: 299 - "<text>"` headers (before the response is written). */
export function addWarnings(res: ServerResponse, texts: readonly string[], maxChars = MAX_WARNING_CHARS): void {
  if (res.headersSent) return;
  const shown = texts.slice(0, MAX_WARNINGS).map((t) => (t.length > maxChars ? `${t.slice(0, maxChars)}...` : t));
  if (texts.length > MAX_WARNINGS) shown.push(`${texts.length - MAX_WARNINGS} more warnings not shown`);
  for (const t of shown) res.appendHeader('Warning', `299 - ${quote(t)}`);
}

/** Applies the directive to the strict errors of a body: throws `error(message)` for Strict. */
export function enforce(
  res: ServerResponse,
  mode: FieldValidation,
  errs: readonly string[],
  error: (message: string) => ApiError,
): void {
  if (errs.length === 0 || mode === 'Ignore') return;
  if (mode === 'Strict') throw error(strictMessage(errs));
  addWarnings(res, errs);
}
