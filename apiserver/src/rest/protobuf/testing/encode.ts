/**
 * A tiny protobuf writer for tests: builds the bytes kubectl's typed clients would send, field
 * by field, so the decoder can be checked without any generated code.
 */

function varintBytes(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export class PbWriter {
  private readonly parts: Buffer[] = [];

  tag(field: number, wire: number): this {
    this.parts.push(Buffer.from(varintBytes(field * 8 + wire)));
    return this;
  }

  /** A varint field (int32, int64, bool; negative numbers as 10-byte two's complement). */
  int(field: number, n: number | bigint | boolean): this {
    this.tag(field, 0);
    this.parts.push(Buffer.from(varintBytes(typeof n === 'boolean' ? (n ? 1 : 0) : n)));
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.parts.push(Buffer.from(varintBytes(b.length)), Buffer.from(b));
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  message(field: number, fill: (w: PbWriter) => void = () => undefined): this {
    const w = new PbWriter();
    fill(w);
    return this.bytes(field, w.finish());
  }

  /** One map entry {1: key, 2: value}. */
  entry(field: number, key: string, value: string | Uint8Array | ((w: PbWriter) => void)): this {
    return this.message(field, (e) => {
      e.string(1, key);
      if (typeof value === 'string') e.string(2, value);
      else if (value instanceof Uint8Array) e.bytes(2, value);
      else e.message(2, value);
    });
  }

  fixed64(field: number, n: number): this {
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    this.parts.push(b);
    return this;
  }

  fixed32(field: number, n: number): this {
    this.tag(field, 5);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.parts.push(b);
    return this;
  }

  raw(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function build(fill: (w: PbWriter) => void): Buffer {
  const w = new PbWriter();
  fill(w);
  return w.finish();
}

/** `k8s\0` + runtime.Unknown{typeMeta, raw}. */
export function envelope(
  apiVersion: string,
  kind: string,
  raw: Uint8Array,
  extra: (w: PbWriter) => void = () => undefined,
): Buffer {
  const body = build((w) => {
    w.message(1, (t) => t.string(1, apiVersion).string(2, kind));
    w.bytes(2, raw);
    extra(w);
  });
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), body]);
}

/** ObjectMeta the way gogo encodes it for a new object: empty strings, generation 0, zero Time. */
export function newMeta(w: PbWriter, name: string, labels: Record<string, string> = {}): void {
  w.string(1, name).string(2, '').string(3, '').string(4, '').string(5, '').string(6, '').int(7, 0).message(8);
  for (const [k, v] of Object.entries(labels)) w.entry(11, k, v);
}
