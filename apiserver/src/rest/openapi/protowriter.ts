/**
 * A tiny protobuf encoder (proto3 wire format): enough for varints, strings and nested
 * messages, which is all the gnostic OpenAPI v2 document needs.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

function varint(n: number): Buffer {
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

export class ProtoWriter {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wire: number): void {
    this.parts.push(varint(field * 8 + wire));
  }

  uint(field: number, n: number): this {
    this.tag(field, WIRE_VARINT);
    this.parts.push(varint(n));
    return this;
  }

  bool(field: number, b: boolean): this {
    return this.uint(field, b ? 1 : 0);
  }

  bytes(field: number, b: Buffer): this {
    this.tag(field, WIRE_LEN);
    this.parts.push(varint(b.length), b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  /** A nested message, built by `fill` on a fresh writer. */
  message(field: number, fill: (w: ProtoWriter) => void): this {
    const w = new ProtoWriter();
    fill(w);
    return this.bytes(field, w.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
