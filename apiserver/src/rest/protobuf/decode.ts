/**
 * Schema-driven decoding of a protobuf message into the JSON object Go's encoding/json would
 * produce for the same Go struct: unknown field numbers are skipped, zero scalars are pruned
 * unless the schema keeps them, present sub-messages are kept (`{}` when empty), Time zero
 * values become null, bytes become base64, maps become objects.
 */
import { decodeSpecial } from './special.js';
import { ProtobufError, Reader, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '@kubelab/proto/wire';
import type { FieldSpec, Schema, ScalarType, ValueType } from './schema.js';

const MAX_DEPTH = 64;

type Json = Record<string, unknown>;

function expectedWire(v: ValueType): number {
  if (v.kind !== 'scalar') return WIRE_LEN;
  switch (v.type) {
    case 'bool':
    case 'int32':
    case 'int64':
      return WIRE_VARINT;
    case 'double':
      return WIRE_FIXED64;
    default:
      return WIRE_LEN;
  }
}

function scalar(r: Reader, type: ScalarType): unknown {
  switch (type) {
    case 'string':
      return r.string();
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
    case 'bool':
      return r.varintBig() !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, r.varintBig()));
    case 'int64':
      return r.int64();
    case 'double':
      return r.double();
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

/** The JSON value of a map value that was absent from its entry. */
function defaultValue(schema: Schema, v: ValueType, path: string, depth: number): unknown {
  if (v.kind === 'scalar') return v.type === 'bool' ? false : v.type === 'string' || v.type === 'bytes' ? '' : 0;
  if (v.kind === 'special') return decodeSpecial(v.type, new Uint8Array(0), 0, 0, path);
  return decodeMessage(schema, v.type, new Uint8Array(0), 0, 0, path, depth);
}

/** Reads one value of the field's element type; the tag has been consumed. */
function readValue(schema: Schema, r: Reader, v: ValueType, path: string, depth: number): unknown {
  if (v.kind === 'scalar') return scalar(r, v.type);
  const { start, end } = r.lengthDelimited();
  if (v.kind === 'special') return decodeSpecial(v.type, r.buf, start, end, path);
  return decodeMessage(schema, v.type, r.buf, start, end, path, depth + 1);
}

function readMapEntry(schema: Schema, r: Reader, f: FieldSpec, path: string, depth: number): [string, unknown] {
  const { start, end } = r.lengthDelimited();
  const e = new Reader(r.buf, start, end);
  let key = '';
  let value: unknown;
  let seen = false;
  while (!e.done) {
    const t = e.tag();
    if (t.field === 1 && t.wire === WIRE_LEN) key = e.string();
    else if (t.field === 2 && t.wire === expectedWire(f.value)) {
      value = readValue(schema, e, f.value, `${path}[${JSON.stringify(key)}]`, depth);
      seen = true;
    } else if (t.field === 1 || t.field === 2)
      throw new ProtobufError(`${path}: map entry field ${t.field} has wire type ${t.wire}`);
    else e.skip(t.wire, t.field);
  }
  return [key, seen ? value : defaultValue(schema, f.value, path, depth)];
}

/** Reads a packed run of varints (a repeated numeric field sent length-delimited). */
function readPacked(r: Reader, type: ScalarType): unknown[] {
  const { start, end } = r.lengthDelimited();
  const p = new Reader(r.buf, start, end);
  const out: unknown[] = [];
  while (!p.done) out.push(scalar(p, type));
  return out;
}

function setField(schema: Schema, out: Json, r: Reader, f: FieldSpec, wire: number, path: string, depth: number): void {
  const want = expectedWire(f.value);
  if (f.map) {
    if (wire !== WIRE_LEN) throw new ProtobufError(`${path}: map field has wire type ${wire}`);
    const [k, v] = readMapEntry(schema, r, f, path, depth);
    const m = (out[f.name] ??= {}) as Json;
    m[k] = v;
    return;
  }
  if (f.repeated) {
    const list = (out[f.name] ??= []) as unknown[];
    if (wire === WIRE_LEN && want === WIRE_VARINT && f.value.kind === 'scalar') {
      list.push(...readPacked(r, f.value.type));
      return;
    }
    if (wire !== want) throw new ProtobufError(`${path}: wire type ${wire} does not match the field's type`);
    list.push(readValue(schema, r, f.value, `${path}[${list.length}]`, depth));
    return;
  }
  if (wire !== want) throw new ProtobufError(`${path}: wire type ${wire} does not match the field's type`);
  const v = readValue(schema, r, f.value, path, depth);
  if (f.inline) {
    Object.assign(out, v as Json);
    return;
  }
  if (f.value.kind === 'scalar' && isZero(v) && !f.keepZero) {
    delete out[f.name];
    return;
  }
  out[f.name] = v;
}

/** Decodes the message `name` from buf[start, end) into its JSON form. */
export function decodeMessage(
  schema: Schema,
  name: string,
  buf: Uint8Array,
  start: number,
  end: number,
  path = '',
  depth = 0,
): Json {
  if (depth > MAX_DEPTH) throw new ProtobufError(`${path || name}: messages nested too deeply`);
  const msg = schema.message(name);
  const r = new Reader(buf, start, end);
  const out: Json = {};
  while (!r.done) {
    const t = r.tag();
    const f = msg.fields.get(t.field);
    if (!f) {
      r.skip(t.wire, t.field);
      continue;
    }
    const fieldPath = f.inline ? path : path ? `${path}.${f.name}` : f.name;
    setField(schema, out, r, f, t.wire, fieldPath, depth);
  }
  for (const f of msg.fields.values()) if (f.nullIfAbsent && !(f.name in out)) out[f.name] = null;
  return out;
}
