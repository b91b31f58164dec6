/**
 * One SPDY stream of a SpdyConnection, as a Duplex: readable = DATA from the peer (ends at its
 * FIN), writable = DATA to the peer within the peer's windows (end() sends DATA with FLAG_FIN).
 */
import { Duplex } from 'node:stream';
import { DEFAULT_WINDOW, RST, type Frame, type SpdyHeaders } from './spdy-frames.js';

const MAX_DATA_FRAME = 32 * 1024;
const STREAM_HIGH_WATER = 256 * 1024;

/** What a stream needs from its connection. */
export interface StreamHost {
  writeFrame(frame: Frame): boolean;
  /** Pause (true) or resume (false) reading the transport on behalf of stream `id`. */
  block(id: number, on: boolean): void;
  forget(id: number): void;
  readonly enforcesPeerWindow: boolean;
  readonly isClosed: boolean;
  /** The connection-level send window, shared by all streams. */
  sendWindow: number;
  once(event: 'drain', cb: () => void): unknown;
}

export class SpdyStream extends Duplex {
  replied = false;
  /** Set when the peer reset the stream or the connection went away. */
  aborted = false;
  private remoteFin = false;
  private localFin = false;
  private recvUncredited = 0;
  private pending: { data: Buffer; cb: (err?: Error | null) => void } | undefined;

  constructor(
    private readonly conn: StreamHost,
    readonly id: number,
    readonly headers: SpdyHeaders,
    public sendWindow: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: STREAM_HIGH_WATER });
  }

  /** Accepts the stream (SYN_REPLY). */
  reply(headers: SpdyHeaders = {}): void {
    if (this.replied || this.aborted) return;
    this.replied = true;
    this.conn.writeFrame({ type: 'syn_reply', streamId: this.id, fin: false, headers });
  }

  /** Aborts the stream (RST_STREAM, CANCEL by default). */
  reset(status: number = RST.CANCEL): void {
    if (this.aborted) return;
    this.conn.writeFrame({ type: 'rst_stream', streamId: this.id, status });
    this.abort();
  }

  // ---- from the connection ----

  onRemoteData(data: Buffer, fin: boolean): void {
    if (this.remoteFin || this.aborted) {
      if (data.length > 0)
        this.conn.writeFrame({ type: 'rst_stream', streamId: this.id, status: RST.STREAM_ALREADY_CLOSED });
      return;
    }
    if (data.length > 0) {
      this.recvUncredited += data.length;
      if (this.push(data)) this.credit();
      else this.conn.block(this.id, true);
    }
    if (fin) {
      this.remoteFin = true;
      this.push(null);
      this.maybeDone();
    }
  }

  onRemoteReset(_status: number): void {
    this.abort();
  }

  onConnectionClosed(): void {
    this.abort();
  }

  adjustSendWindow(delta: number): void {
    this.sendWindow += delta;
    this.kick();
  }

  /** Retries a write that waited for window. */
  kick(): void {
    if (this.pending) this.flushPending();
  }

  // ---- Duplex ----

  override _read(): void {
    this.conn.block(this.id, false);
    this.credit();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.aborted || this.localFin) {
      cb();
      return;
    }
    this.pending = { data: chunk, cb };
    this.flushPending();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.aborted || this.localFin) {
      cb();
      return;
    }
    this.localFin = true;
    this.conn.writeFrame({ type: 'data', streamId: this.id, fin: true, data: Buffer.alloc(0) });
    this.maybeDone();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.aborted && !(this.localFin && this.remoteFin)) {
      // Destroyed locally before a clean finish: tell the peer.
      this.conn.writeFrame({ type: 'rst_stream', streamId: this.id, status: RST.CANCEL });
      this.aborted = true;
      this.conn.forget(this.id);
    }
    this.releasePending();
    cb(err);
  }

  private flushPending(): void {
    const p = this.pending;
    if (!p) return;
    if (this.aborted) {
      this.releasePending();
      return;
    }
    let congested = false;
    while (p.data.length > 0) {
      let n = Math.min(p.data.length, MAX_DATA_FRAME);
      if (this.conn.enforcesPeerWindow) n = Math.min(n, this.sendWindow, this.conn.sendWindow);
      if (n <= 0) return; // wait for WINDOW_UPDATE
      const part = p.data.subarray(0, n);
      p.data = p.data.subarray(n);
      this.sendWindow -= n;
      this.conn.sendWindow -= n;
      if (!this.conn.writeFrame({ type: 'data', streamId: this.id, fin: false, data: part })) congested = true;
    }
    this.pending = undefined;
    if (congested && !this.conn.isClosed) this.conn.once('drain', () => p.cb());
    else p.cb();
  }

  private releasePending(): void {
    const p = this.pending;
    this.pending = undefined;
    p?.cb();
  }

  private credit(): void {
    if (this.recvUncredited >= DEFAULT_WINDOW / 2 && !this.aborted && !this.remoteFin) {
      this.conn.writeFrame({ type: 'window_update', streamId: this.id, delta: this.recvUncredited });
      this.recvUncredited = 0;
    }
  }

  private maybeDone(): void {
    if (this.localFin && this.remoteFin) this.conn.forget(this.id);
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.conn.forget(this.id);
    this.releasePending();
    if (!this.remoteFin) {
      this.remoteFin = true;
      this.push(null);
    }
    this.emit('aborted');
    this.destroy();
  }
}
