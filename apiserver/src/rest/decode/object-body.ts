/**
 * A create/update body checked as upstream's typed decoder checks it: wrong types and (Strict)
 * unknown or duplicate fields are a 400 `Pod in version "v1" cannot be handled as a Pod: ...`,
 * invalid quantities a 422 naming the field; unknown fields are dropped in every mode.
 */
import type { ServerResponse } from 'node:http';
import { invalidError } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { fieldSchemaFor } from './field-schema.js';
import { readRequestBody } from './request-body.js';
import { enforce, fieldValidationOf, unknownField, type FieldValidation, type OptionsKind } from './strict.js';
import { DecodeTypeError, decodeTyped } from './typed.js';

export interface BodyKind {
  /** "apps/v1" */
  apiVersion: string;
  kind: string;
  /** The API group, for 422 messages ("apps"; "" for core). */
  group: string;
}

/** Upstream's 400 for a body its decoder refused. */
export function cannotHandle(k: BodyKind, message: string): ApiError {
  const version = k.apiVersion.split('/').pop() ?? k.apiVersion;
  return new ApiError(
    'BadRequest',
    `${k.kind} in version ${JSON.stringify(version)} cannot be handled as a ${k.kind}: ${message}`,
  );
}

/**
 * Decodes `obj` (already checked to be an object of the kind) into the kind's schema in place.
 * `strict` holds the errors the parser found (duplicate keys); unknown fields are added to them.
 */
export function typedBody(
  res: ServerResponse,
  mode: FieldValidation,
  k: BodyKind,
  obj: Record<string, unknown>,
  strict: readonly string[],
): void {
  const fs = fieldSchemaFor(k.apiVersion, k.kind);
  const errs = [...strict];
  let quantities: ReturnType<typeof decodeTyped>['quantities'] = [];
  if (fs) {
    try {
      const issues = decodeTyped(fs, k.kind, obj, true);
      errs.push(...issues.unknown.map(unknownField));
      quantities = issues.quantities;
    } catch (e) {
      if (e instanceof DecodeTypeError) throw cannotHandle(k, e.message);
      throw e;
    }
  }
  enforce(res, mode, errs, (message) => cannotHandle(k, message));
  if (quantities.length) {
    const meta = (obj['metadata'] ?? {}) as { name?: unknown; generateName?: unknown };
    const name =
      typeof meta.name === 'string' && meta.name
        ? meta.name
        : typeof meta.generateName === 'string'
          ? meta.generateName
          : '';
    throw invalidError(k.kind, k.group, name, quantities);
  }
}

/** A subresource body (Binding, Eviction, Scale): read, an object, checked against its kind's schema. */
export function readTypedBody(
  res: ServerResponse,
  query: URLSearchParams,
  buf: Buffer,
  contentType: string | undefined,
  k: BodyKind,
  options: OptionsKind,
): Record<string, unknown> {
  const mode = fieldValidationOf(query, options);
  const { value, strict } = readRequestBody(buf, contentType);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ApiError('BadRequest', `error decoding body: expected a ${k.kind} object`);
  typedBody(res, mode, k, value as Record<string, unknown>, strict);
  return value as Record<string, unknown>;
}
