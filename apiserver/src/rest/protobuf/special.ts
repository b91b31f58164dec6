/**
 * The apimachinery types whose JSON form differs from their protobuf message: Time, MicroTime,
 * Duration, IntOrString, Quantity, RawExtension and FieldsV1.
 */
import { ProtobufError, Reader, WIRE_LEN, WIRE_VARINT } from '@kubelab/proto/wire';
import type { SpecialType } from './schema.js';

/** Reads the fields of a small message as field number -> last value (varints or bytes). */
function smallFields(r: Reader): Map<number, bigint | Uint8Array> {
  const out = new Map<number, bigint | Uint8Array>();
  while (!r.done) {
    const t = r.tag();
    if (t.wire === WIRE_VARINT) out.set(t.field, r.varintBig());
    else if (t.wire === WIRE_LEN) out.set(t.field, r.bytes());
    else r.skip(t.wire, t.field);
  }
  return out;
}

function int(v: bigint | Uint8Array | undefined, path: string): bigint {
  if (v === undefined) return 0n;
  if (typeof v !== 'bigint') throw new ProtobufError(`${path}: expected a varint`);
  return BigInt.asIntN(64, v);
}

function bytes(v: bigint | Uint8Array | undefined, path: string): Uint8Array {
  if (v === undefined) return new Uint8Array(0);
  if (typeof v === 'bigint') throw new ProtobufError(`${path}: expected length-delimited bytes`);
  return v;
}

const utf8 = (b: Uint8Array): string => new TextDecoder().decode(b);

function timestamp(seconds: bigint, nanos: bigint, fractionDigits: number, path: string): string {
  const ms = Number(seconds) * 1000;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new ProtobufError(`${path}: time out of range (${seconds}s)`);
  const base = d.toISOString().slice(0, 19);
  if (fractionDigits === 0) return `${base}Z`;
  const frac = (Number(nanos) / 1e9).toFixed(fractionDigits).slice(2);
  return `${base}.${frac}Z`;
}

const UNITS: [bigint, string][] = [
  [1n, 'ns'],
  [1000n, 'µs'],
  [1000000n, 'ms'],
];

function fraction(v: bigint, unit: bigint): string {
  const whole = v / unit;
  const rest = v % unit;
  if (rest === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  return `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's time.Duration.String(): "1h2m3.5s", "1.5ms", "0s". */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let v = neg ? -ns : ns;
  let out: string;
  if (v < 1000000000n) {
    let u = UNITS[0]!;
    for (const cand of UNITS) if (v >= cand[0]) u = cand;
    out = fraction(v, u[0]) + u[1];
  } else {
    const h = v / 3600000000000n;
    v %= 3600000000000n;
    const m = v / 60000000000n;
    v %= 60000000000n;
    out = `${fraction(v, 1000000000n)}s`;
    if (h > 0n || m > 0n) out = `${m}m${out}`;
    if (h > 0n) out = `${h}h${out}`;
  }
  return neg ? `-${out}` : out;
}

/** Parses the JSON bytes of a RawExtension/FieldsV1; empty is null. */
function rawJson(b: Uint8Array, path: string): unknown {
  if (b.length === 0) return null;
  try {
    return JSON.parse(utf8(b));
  } catch {
    throw new ProtobufError(`${path}: embedded raw object is not JSON`);
  }
}

/** Decodes the payload [start, end) of a special message into its JSON value. */
export function decodeSpecial(type: SpecialType, buf: Uint8Array, start: number, end: number, path: string): unknown {
  const f = smallFields(new Reader(buf, start, end));
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      const s = int(f.get(1), path);
      const n = int(f.get(2), path);
      if (s === 0n && n === 0n) return null;
      return timestamp(s, n, type === 'Time' ? 0 : 6, path);
    }
    case 'Duration':
      return goDuration(int(f.get(1), path));
    case 'IntOrString': {
      const kind = int(f.get(1), path);
      if (kind === 1n) return utf8(bytes(f.get(3), path));
      return Number(BigInt.asIntN(32, int(f.get(2), path)));
    }
    case 'Quantity': {
      const s = utf8(bytes(f.get(1), path));
      return s === '' ? '0' : s;
    }
    case 'RawExtension':
    case 'FieldsV1':
      return rawJson(bytes(f.get(1), path), path);
  }
}
