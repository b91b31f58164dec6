/**
 * Decoding a JSON value into a kind's schema, the way upstream's typed decoder treats it: a value
 * of the wrong type is an error naming the Go field and type (`json: cannot unmarshal string into
 * Go struct field PodSpec.spec.containers of type []v1.Container`, the first one found); fields
 * the schema does not know are collected with their path (`spec.template.spec.containers[0].foo`)
 * and, when pruning, dropped, as a typed decode drops them; quantities are parsed and the invalid
 * ones collected as field errors. Nulls mean "absent" and are dropped too.
 *
 * Only known message fields are descended into, so the recursion is bounded by the schema's own
 * depth whatever the body's.
 */
import type { FieldError } from '@kubelab/api';
import { quantityError } from '@kubelab/api/quantity';
import type { FieldSchema, FieldSpec, ValueType } from './field-schema.js';

export interface TypedIssues {
  unknown: string[];
  quantities: FieldError[];
}

/** A value of the wrong type; `message` is Go's, `path`/`expected`/`got` feed other formats. */
export class DecodeTypeError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(message);
    this.name = 'DecodeTypeError';
  }
}

type Json = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const INT32 = 2 ** 31;
const INT64 = 2 ** 63;
const TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$/;
const BASE64_CHAR = /[A-Za-z0-9+/]/;

/** Go's word for the JSON value (number literals included where Go prints them). */
function jsonKind(v: unknown, numberLiteral: boolean): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return numberLiteral ? `number ${JSON.stringify(v)}` : 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

/** Where Go's base64 decoder gives up, or -1 when `s` is valid standard base64. */
export function base64ErrorAt(s: string): number {
  const text = s.replace(/[\r\n]/g, '');
  const pad = text.length - text.replace(/=+$/, '').length;
  const body = text.length - pad;
  for (let i = 0; i < body; i++) if (!BASE64_CHAR.test(text[i]!)) return i;
  if (text.length % 4 !== 0 || pad > 2) return Math.floor(text.length / 4) * 4;
  return -1;
}

class Walker {
  readonly issues: TypedIssues = { unknown: [], quantities: [] };
  constructor(
    private readonly fs: FieldSchema,
    private readonly prune: boolean,
  ) {}

  private typeError(
    v: unknown,
    struct: string,
    goPath: string,
    goType: string,
    numberLiteral = false,
  ): DecodeTypeError {
    const got = jsonKind(v, numberLiteral);
    return new DecodeTypeError(
      `json: cannot unmarshal ${got} into Go struct field ${struct}.${goPath} of type ${goType}`,
      goPath,
      goType,
      got,
    );
  }

  message(name: string, obj: Json, path: string, goPath: string, root: boolean): void {
    const fields = this.fs.fields(name);
    const typeMeta = this.fs.hasTypeMeta(name, root);
    for (const key of Object.keys(obj)) {
      const childPath = path ? `${path}.${key}` : key;
      const goChild = goPath ? `${goPath}.${key}` : key;
      const v = obj[key];
      if (typeMeta && (key === 'apiVersion' || key === 'kind')) {
        if (v !== null && typeof v !== 'string') throw this.typeError(v, name, goChild, 'string');
        continue;
      }
      const spec = fields.get(key);
      if (!spec) {
        this.issues.unknown.push(childPath);
        if (this.prune) delete obj[key];
        continue;
      }
      if (v === null) {
        if (this.prune) delete obj[key];
        continue;
      }
      const out = this.field(spec, v, name, childPath, goChild);
      if (this.prune) obj[key] = out;
    }
  }

  private field(spec: FieldSpec, v: unknown, struct: string, path: string, goPath: string): unknown {
    if (spec.map) {
      if (!isPlainObject(v)) throw this.typeError(v, struct, goPath, this.fs.goType(spec.value, { map: true }));
      for (const [k, x] of Object.entries(v)) {
        const out = this.elem(spec.value, x, struct, `${path}[${k}]`, goPath);
        if (this.prune) v[k] = out;
      }
      return v;
    }
    if (spec.repeated) {
      if (!Array.isArray(v)) throw this.typeError(v, struct, goPath, this.fs.goType(spec.value, { repeated: true }));
      v.forEach((x, i) => {
        const out = this.elem(spec.value, x, struct, `${path}[${i}]`, goPath);
        if (this.prune) v[i] = out;
      });
      return v;
    }
    return this.elem(spec.value, v, struct, path, goPath);
  }

  /** One value of type `t` (a field, a list element or a map value); returns what to keep. */
  private elem(t: ValueType, v: unknown, struct: string, path: string, goPath: string): unknown {
    if (v === null) return zero(t);
    const goType = this.fs.goType(t);
    switch (t.kind) {
      case 'message':
        if (!isPlainObject(v)) throw this.typeError(v, struct, goPath, goType);
        this.message(t.type, v, path, goPath, false);
        return v;
      case 'scalar':
        return this.scalar(t.type, v, struct, goPath, goType);
      case 'special':
        return this.special(t.type, v, struct, path, goPath, goType);
    }
  }

  private scalar(type: string, v: unknown, struct: string, goPath: string, goType: string): unknown {
    switch (type) {
      case 'string':
        if (typeof v !== 'string') throw this.typeError(v, struct, goPath, goType);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw this.typeError(v, struct, goPath, goType);
        return v;
      case 'double':
        if (typeof v !== 'number') throw this.typeError(v, struct, goPath, goType);
        return v;
      case 'bytes': {
        if (typeof v !== 'string') throw this.typeError(v, struct, goPath, goType);
        const at = base64ErrorAt(v);
        if (at >= 0) throw new DecodeTypeError(`illegal base64 data at input byte ${at}`, goPath, goType, 'string');
        return v;
      }
      default: {
        // int32, int64
        const bound = type === 'int32' ? INT32 : INT64;
        if (typeof v !== 'number') throw this.typeError(v, struct, goPath, goType);
        if (!Number.isInteger(v) || v < -bound || v >= bound) throw this.typeError(v, struct, goPath, goType, true);
        return v;
      }
    }
  }

  private special(type: string, v: unknown, struct: string, path: string, goPath: string, goType: string): unknown {
    switch (type) {
      case 'Quantity': {
        const msg = quantityError(v);
        if (msg)
          this.issues.quantities.push({
            type: 'FieldValueInvalid',
            field: path,
            value: typeof v === 'string' ? v : JSON.stringify(v),
            hasValue: true,
            detail: msg,
          });
        return v;
      }
      case 'Time':
      case 'MicroTime':
        if (typeof v !== 'string') throw this.typeError(v, struct, goPath, goType);
        if (!TIME.test(v))
          throw new DecodeTypeError(
            `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`,
            goPath,
            goType,
            'string',
          );
        return v;
      case 'Duration':
        if (typeof v !== 'string') throw this.typeError(v, struct, goPath, goType);
        if (!DURATION.test(v))
          throw new DecodeTypeError(`time: invalid duration ${JSON.stringify(v)}`, goPath, goType, 'string');
        return v;
      case 'IntOrString':
        if (typeof v === 'string') return v;
        if (typeof v !== 'number') throw this.typeError(v, struct, goPath, goType);
        if (!Number.isInteger(v) || v < -INT32 || v >= INT32)
          throw new DecodeTypeError(
            `json: cannot unmarshal number ${JSON.stringify(v)} into Go value of type int32`,
            goPath,
            goType,
            'number',
          );
        return v;
      case 'FieldsV1':
        if (!isPlainObject(v)) throw this.typeError(v, struct, goPath, goType);
        return v;
      default:
        // RawExtension: any JSON.
        return v;
    }
  }
}

/** What a null list element or map value decodes to (Go's zero value). */
function zero(t: ValueType): unknown {
  if (t.kind === 'message') return {};
  if (t.kind === 'special') return t.type === 'Quantity' ? '0' : null;
  if (t.type === 'string' || t.type === 'bytes') return '';
  return t.type === 'bool' ? false : 0;
}

/**
 * Checks `obj` (a body of the message `root`) against the schema; with `prune`, drops unknown
 * fields and nulls in place. Throws DecodeTypeError at the first value of the wrong type.
 */
export function decodeTyped(fs: FieldSchema, root: string, obj: Json, prune: boolean): TypedIssues {
  const w = new Walker(fs, prune);
  w.message(root, obj, '', '', true);
  return w.issues;
}
