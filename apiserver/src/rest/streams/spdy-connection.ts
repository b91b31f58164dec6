/**
 * The server side of a SPDY/3.1 connection over any byte transport (a socket after a 101, or a
 * WebSocket tunnel): accepts client-initiated streams, echoes PINGs, honours RST_STREAM and GOAWAY,
 * and does flow control in both directions.
 *
 * Receiving: WINDOW_UPDATEs credit the peer (per stream and for the connection) once half a window
 * has been received, per stream only once the consumer has taken the data, so a flow-controlling
 * peer never stalls and a slow consumer pushes back. When a stream's buffer is full the transport
 * is paused (what Go's spdystream does too: kubectl does not respect windows).
 * Sending: the peer's windows (initial 64 KiB, SETTINGS_INITIAL_WINDOW_SIZE, WINDOW_UPDATE) are
 * respected in 'strict' mode, and in 'auto' mode (default) from the peer's first WINDOW_UPDATE on:
 * kubectl's spdystream never sends one, and would stall after 64 KiB otherwise.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import {
  DEFAULT_WINDOW,
  encodeFrame,
  FrameDecoder,
  HeaderCompressor,
  RST,
  SETTINGS_INITIAL_WINDOW_SIZE,
  type Frame,
} from './spdy-frames.js';
import { SpdyStream, type StreamHost } from './spdy-stream.js';

export { SpdyStream } from './spdy-stream.js';

export interface SpdyConnectionOptions {
  /** A new client stream, before any reply. Call `stream.reply()` to accept it. */
  onStream(stream: SpdyStream): void;
  log?: Logger;
  flowControl?: 'auto' | 'strict';
}

export class SpdyConnection extends EventEmitter implements StreamHost {
  readonly streams = new Map<number, SpdyStream>();
  private readonly decoder = new FrameDecoder();
  private readonly compressor = new HeaderCompressor();
  private readonly blocked = new Set<number>();
  private closed = false;
  private goneAway = false;
  private lastStreamId = 0;
  private enforce: boolean;
  /** Peer's receive windows, for what we send. */
  sendWindow = DEFAULT_WINDOW;
  initialSendWindow = DEFAULT_WINDOW;
  /** Bytes received on the connection not yet credited back. */
  private recvUncredited = 0;

  constructor(
    readonly transport: Duplex,
    private readonly opts: SpdyConnectionOptions,
  ) {
    super();
    this.enforce = opts.flowControl === 'strict';
    transport.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.on('end', () => this.shutdown());
    transport.on('close', () => this.shutdown());
    transport.on('error', (err) => {
      opts.log?.debug({ err: err.message }, 'spdy transport error');
      this.shutdown();
    });
    transport.on('drain', () => this.emit('drain'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get enforcesPeerWindow(): boolean {
    return this.enforce;
  }

  /** Writes one frame; false when the transport asks to wait for 'drain'. */
  writeFrame(frame: Frame): boolean {
    if (this.closed || this.transport.destroyed || this.transport.writableEnded) return true;
    return this.transport.write(encodeFrame(frame, this.compressor));
  }

  /** Sends GOAWAY and ends the transport once written. */
  close(): void {
    if (this.closed) return;
    if (!this.goneAway) {
      this.goneAway = true;
      this.writeFrame({ type: 'goaway', lastStreamId: this.lastStreamId, status: 0 });
    }
    this.transport.end();
    this.shutdown();
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.onConnectionClosed();
    this.streams.clear();
    if (!this.transport.destroyed && !this.transport.writableEnded) this.transport.end();
    this.emit('close');
  }

  private onBytes(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.opts.log?.debug({ err: (err as Error).message }, 'spdy protocol error');
      this.writeFrame({ type: 'goaway', lastStreamId: this.lastStreamId, status: 1 });
      this.transport.destroy();
      this.shutdown();
      return;
    }
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    switch (f.type) {
      case 'syn_stream': {
        if (this.goneAway || f.streamId % 2 === 0 || f.streamId <= this.lastStreamId) {
          this.writeFrame({
            type: 'rst_stream',
            streamId: f.streamId,
            status: f.streamId <= this.lastStreamId ? RST.PROTOCOL_ERROR : RST.REFUSED_STREAM,
          });
          return;
        }
        this.lastStreamId = f.streamId;
        const s = new SpdyStream(this, f.streamId, f.headers, this.initialSendWindow);
        this.streams.set(f.streamId, s);
        if (f.fin) s.onRemoteData(Buffer.alloc(0), true);
        this.opts.onStream(s);
        return;
      }
      case 'data': {
        this.creditConnection(f.data.length);
        const s = this.streams.get(f.streamId);
        if (!s) {
          this.writeFrame({ type: 'rst_stream', streamId: f.streamId, status: RST.INVALID_STREAM });
          return;
        }
        s.onRemoteData(f.data, f.fin);
        return;
      }
      case 'rst_stream':
        this.streams.get(f.streamId)?.onRemoteReset(f.status);
        return;
      case 'ping':
        // Echo the client's (odd) pings; we never send our own.
        if (f.id % 2 === 1) this.writeFrame(f);
        return;
      case 'settings':
        for (const s of f.settings) {
          if (s.id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
          const delta = s.value - this.initialSendWindow;
          this.initialSendWindow = s.value;
          for (const st of this.streams.values()) st.adjustSendWindow(delta);
        }
        return;
      case 'window_update':
        if (this.opts.flowControl !== 'strict' && !this.enforce) this.enforce = true;
        if (f.streamId === 0) {
          this.sendWindow += f.delta;
          for (const st of this.streams.values()) st.kick();
        } else this.streams.get(f.streamId)?.adjustSendWindow(f.delta);
        return;
      case 'goaway':
        this.goneAway = true;
        if (this.streams.size === 0) this.close();
        return;
      case 'syn_reply':
      case 'headers':
      case 'unknown':
        return;
    }
  }

  private creditConnection(n: number): void {
    this.recvUncredited += n;
    if (this.recvUncredited >= DEFAULT_WINDOW / 2) {
      this.writeFrame({ type: 'window_update', streamId: 0, delta: this.recvUncredited });
      this.recvUncredited = 0;
    }
  }

  /** A stream's receive buffer is full: stop reading the transport until it drains. */
  block(id: number, on: boolean): void {
    if (on) this.blocked.add(id);
    else this.blocked.delete(id);
    if (this.blocked.size > 0) this.transport.pause();
    else this.transport.resume();
  }

  /** Called by a stream when both sides are done. */
  forget(id: number): void {
    this.streams.delete(id);
    this.block(id, false);
    if (this.goneAway && this.streams.size === 0) this.close();
  }
}
