/**
 * Request bodies into values, whatever their media type, safely: JSON (with its duplicate keys
 * found), YAML (bounded, see yaml-body.ts; a YAML body that is JSON is read as JSON) and
 * Kubernetes protobuf; then the nesting limit. Malformed and truncated bodies are a 400 naming
 * what was wrong, never a 500.
 */
import { ApiError } from '@kubelab/proto';
import { baseType } from '../media.js';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE, ProtobufError } from '../protobuf/index.js';
import { assertNestingDepth } from '../../registry/limits.js';
import { duplicateKeys } from './json-scan.js';
import { duplicateField } from './strict.js';
import { parseYamlDocument } from './yaml-body.js';

export interface DecodedBody {
  value: unknown;
  /** Strict-decoding errors found while parsing (duplicate keys), in upstream's words. */
  strict: string[];
}

const JSON_TYPES = new Set(['', 'application/json']);
export const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml']);

export function unsupportedMediaType(accepted: string[]): ApiError {
  return new ApiError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

function decodeError(e: unknown, what = 'body'): ApiError {
  if (e instanceof ApiError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new ApiError('BadRequest', `error decoding ${what}: ${msg.split('\n')[0]}`);
}

/** JSON text into a value and its duplicate keys. */
export function readJson(text: string, what = 'body'): DecodedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw decodeError(e, what);
  }
  assertNestingDepth(value);
  return { value, strict: duplicateKeys(text).map(duplicateField) };
}

const looksLikeJson = (text: string): boolean => /^\s*[[{]/.test(text);

/** YAML text (or JSON sent as YAML) into a value; duplicate keys in upstream's YAML words. */
export function readYaml(text: string, what = 'body'): DecodedBody {
  if (looksLikeJson(text)) {
    try {
      return readJson(text, what);
    } catch (e) {
      // Not JSON after all (a YAML flow mapping): read as YAML below. Too deep stays too deep.
      if (e instanceof ApiError && !e.message.startsWith(`error decoding ${what}: `)) throw e;
    }
  }
  try {
    const { value, duplicates } = parseYamlDocument(text);
    assertNestingDepth(value);
    return { value, strict: duplicates ? [duplicates] : [] };
  } catch (e) {
    throw decodeError(e, what);
  }
}

/** A create/update body by its Content-Type; anything unknown is 415. */
export function readRequestBody(buf: Buffer, contentType: string | undefined): DecodedBody {
  const t = baseType(contentType);
  if (JSON_TYPES.has(t)) return readJson(buf.toString('utf8'));
  if (YAML_TYPES.has(t)) return readYaml(buf.toString('utf8'));
  if (t === PROTOBUF_MEDIA_TYPE) {
    try {
      const value = decodeKubernetesProtobuf(buf);
      assertNestingDepth(value);
      return { value, strict: [] };
    } catch (e) {
      if (e instanceof ProtobufError) throw new ApiError('BadRequest', `error decoding protobuf body: ${e.message}`);
      throw decodeError(e);
    }
  }
  throw unsupportedMediaType(['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE]);
}
