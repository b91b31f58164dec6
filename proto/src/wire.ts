/**
 * The protobuf wire format, once for the whole project: a Reader (varints, tags and
 * length-delimited fields over a byte slice; every read bounds-checked, malformed input throws
 * ProtobufError — never reads past the slice, never loops forever) and a Writer (varints,
 * strings, bytes and nested messages). Used by the apiserver's protobuf bodies and OpenAPI v2
 * document and by the kubelet's gRPC health probe. Imported as `@kubelab/proto/wire`.
 */

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

export interface Tag {
  field: number;
  wire: number;
}

export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** An unsigned varint as a BigInt (up to 10 bytes, 64 bits). */
  varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError(`truncated varint at offset ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufError(`varint longer than 10 bytes at offset ${this.pos}`);
  }

  /** A varint as a signed 64-bit integer (how Go encodes int32/int64), as a JS number. */
  int64(): number {
    return Number(BigInt.asIntN(64, this.varintBig()));
  }

  /** A small unsigned varint (tags, lengths); rejects values that cannot be offsets. */
  uint32(): number {
    const v = this.varintBig();
    if (v > 0xffffffffn) throw new ProtobufError(`varint out of range at offset ${this.pos}`);
    return Number(v);
  }

  tag(): Tag {
    const at = this.pos;
    const t = this.uint32();
    const field = t >>> 3;
    const wire = t & 7;
    if (field === 0) throw new ProtobufError(`invalid field number 0 at offset ${at}`);
    return { field, wire };
  }

  /** The bounds [start, end) of a length-delimited field's payload; advances past it. */
  lengthDelimited(): { start: number; end: number } {
    const len = this.uint32();
    const start = this.pos;
    if (len > this.end - start)
      throw new ProtobufError(
        `truncated field: length ${len} exceeds the ${this.end - start} remaining bytes at offset ${start}`,
      );
    this.pos = start + len;
    return { start, end: start + len };
  }

  bytes(): Uint8Array {
    const { start, end } = this.lengthDelimited();
    return this.buf.subarray(start, end);
  }

  string(): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes());
  }

  fixed(n: 4 | 8): Uint8Array {
    if (this.end - this.pos < n) throw new ProtobufError(`truncated fixed${n * 8} at offset ${this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  double(): number {
    const b = this.fixed(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  /** Skips one field's payload of the given wire type. */
  skip(wire: number, field: number, depth = 0): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varintBig();
        return;
      case WIRE_FIXED64:
        this.fixed(8);
        return;
      case WIRE_LEN:
        this.lengthDelimited();
        return;
      case WIRE_FIXED32:
        this.fixed(4);
        return;
      case WIRE_START_GROUP: {
        if (depth > 64) throw new ProtobufError('groups nested too deeply');
        for (;;) {
          if (this.done) throw new ProtobufError(`unterminated group for field ${field}`);
          const t = this.tag();
          if (t.wire === WIRE_END_GROUP) {
            if (t.field !== field) throw new ProtobufError(`mismatched end of group ${t.field} (expected ${field})`);
            return;
          }
          this.skip(t.wire, t.field, depth + 1);
        }
      }
      default:
        throw new ProtobufError(`invalid wire type ${wire} for field ${field} at offset ${this.pos}`);
    }
  }
}

/** The varint encoding of a non-negative safe integer. */
export function encodeVarint(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`);
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

export class Writer {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wire: number): void {
    this.parts.push(encodeVarint(field * 8 + wire));
  }

  uint(field: number, n: number): this {
    this.tag(field, WIRE_VARINT);
    this.parts.push(encodeVarint(n));
    return this;
  }

  bool(field: number, b: boolean): this {
    return this.uint(field, b ? 1 : 0);
  }

  bytes(field: number, b: Buffer): this {
    this.tag(field, WIRE_LEN);
    this.parts.push(encodeVarint(b.length), b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  /** A nested message, built by `fill` on a fresh writer. */
  message(field: number, fill: (w: Writer) => void): this {
    const w = new Writer();
    fill(w);
    return this.bytes(field, w.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
