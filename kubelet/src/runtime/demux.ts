/**
 * Docker's multiplexed stream format (a container without a TTY): frames of an 8-byte header
 * (stream 0 stdin, 1 stdout, 2 stderr; 3 zero bytes; big-endian payload length) and the payload.
 * Frames may arrive split across or joined within chunks.
 */
export type StreamKind = 'stdout' | 'stderr';

export class Demuxer {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (kind: StreamKind, data: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      const kind = this.buf[0] === 2 ? 'stderr' : 'stdout';
      const data = this.buf.subarray(8, 8 + size);
      this.buf = this.buf.subarray(8 + size);
      if (data.length > 0) this.onFrame(kind, data);
    }
  }

  /** Bytes of an incomplete frame still waiting. */
  get pending(): number {
    return this.buf.length;
  }
}

/** Builds one frame (for tests and fakes). */
export function frame(kind: StreamKind, data: string | Buffer): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const h = Buffer.alloc(8);
  h[0] = kind === 'stderr' ? 2 : 1;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}
