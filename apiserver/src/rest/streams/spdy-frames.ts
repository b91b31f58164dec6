/**
 * SPDY/3.1 framing: frame types, encoding, an incremental decoder, and header-block compression.
 *
 * Header blocks travel as ONE zlib stream per direction for the whole connection (primed with the
 * SPDY/3 dictionary), each block ending on a Z_SYNC_FLUSH boundary. Node's zlib streams are
 * asynchronous, so the codec here keeps the stream state itself: at a sync-flush boundary the only
 * state that carries over is the 32 KiB window of earlier output, so every block after the first
 * is produced (and read) by a fresh raw deflate (inflate) primed with that window. The bytes on the
 * wire are exactly one continuous zlib stream, and everything stays synchronous and in order.
 */
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const TYPE = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** RST_STREAM status codes. */
export const RST = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
} as const;

export const SETTINGS_INITIAL_WINDOW_SIZE = 7;
export const DEFAULT_WINDOW = 64 * 1024;
const MAX_FRAME_PAYLOAD = 0xffffff;
const WINDOW_BYTES = 32 * 1024;
const SYNC = zlib.constants.Z_SYNC_FLUSH;

/** Header names are lower-case; several values of one name are joined with NUL. */
export type SpdyHeaders = Record<string, string>;

export interface Setting {
  id: number;
  flags: number;
  value: number;
}

export type Frame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | {
      type: 'syn_stream';
      streamId: number;
      associatedId: number;
      priority: number;
      fin: boolean;
      unidirectional: boolean;
      headers: SpdyHeaders;
    }
  | { type: 'syn_reply'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'headers'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; settings: Setting[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number };

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

function keepWindow(history: Buffer, more: Buffer): Buffer {
  const all = Buffer.concat([history, more]);
  return all.length > WINDOW_BYTES ? all.subarray(all.length - WINDOW_BYTES) : all;
}

/** The sending half of a connection's header zlib stream. */
export class HeaderCompressor {
  private history: Buffer = SPDY3_DICTIONARY;
  private started = false;

  compress(headers: SpdyHeaders): Buffer {
    const raw = encodeHeaderBlock(headers);
    const out = this.started
      ? zlib.deflateRawSync(raw, { dictionary: this.history, finishFlush: SYNC })
      : zlib.deflateSync(raw, { dictionary: SPDY3_DICTIONARY, finishFlush: SYNC });
    this.started = true;
    this.history = keepWindow(this.history, raw);
    return out;
  }
}

/** The receiving half of a connection's header zlib stream. */
export class HeaderDecompressor {
  private history: Buffer = SPDY3_DICTIONARY;
  private started = false;

  decompress(block: Buffer): SpdyHeaders {
    let raw: Buffer;
    try {
      raw = this.started
        ? zlib.inflateRawSync(block, { dictionary: this.history, finishFlush: SYNC })
        : zlib.inflateSync(block, { dictionary: SPDY3_DICTIONARY, finishFlush: SYNC });
    } catch (err) {
      throw new SpdyProtocolError(`cannot decompress header block: ${(err as Error).message}`);
    }
    this.started = true;
    this.history = keepWindow(this.history, raw);
    return decodeHeaderBlock(raw);
  }
}

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(raw: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  let off = 0;
  const need = (n: number): void => {
    if (off + n > raw.length) throw new SpdyProtocolError('truncated header block');
  };
  need(4);
  const count = raw.readUInt32BE(off);
  off += 4;
  for (let i = 0; i < count; i++) {
    need(4);
    const nl = raw.readUInt32BE(off);
    off += 4;
    need(nl);
    const name = raw.toString('utf8', off, off + nl).toLowerCase();
    off += nl;
    need(4);
    const vl = raw.readUInt32BE(off);
    off += 4;
    need(vl);
    const value = raw.toString('utf8', off, off + vl);
    off += vl;
    headers[name] = name in headers ? `${headers[name]}\0${value}` : value;
  }
  return headers;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('control frame too large');
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** One frame on the wire. Frames with header blocks advance the compressor's state. */
export function encodeFrame(frame: Frame, compressor: HeaderCompressor): Buffer {
  switch (frame.type) {
    case 'data': {
      if (frame.data.length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError('data frame too large');
      const h = Buffer.alloc(8);
      h.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
      h.writeUInt32BE(((frame.fin ? FLAG_FIN : 0) << 24) | frame.data.length, 4);
      return Buffer.concat([h, frame.data]);
    }
    case 'syn_stream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(frame.streamId & 0x7fffffff, 0);
      fixed.writeUInt32BE(frame.associatedId & 0x7fffffff, 4);
      fixed.writeUInt8((frame.priority & 0x7) << 5, 8);
      const flags = (frame.fin ? FLAG_FIN : 0) | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
      return control(TYPE.SYN_STREAM, flags, Buffer.concat([fixed, compressor.compress(frame.headers)]));
    }
    case 'syn_reply':
    case 'headers':
      return control(
        frame.type === 'syn_reply' ? TYPE.SYN_REPLY : TYPE.HEADERS,
        frame.fin ? FLAG_FIN : 0,
        Buffer.concat([u32(frame.streamId & 0x7fffffff), compressor.compress(frame.headers)]),
      );
    case 'rst_stream':
      return control(TYPE.RST_STREAM, 0, Buffer.concat([u32(frame.streamId & 0x7fffffff), u32(frame.status)]));
    case 'settings': {
      const parts = [u32(frame.settings.length)];
      for (const s of frame.settings) parts.push(u32(((s.flags & 0xff) << 24) | (s.id & 0xffffff)), u32(s.value));
      return control(TYPE.SETTINGS, 0, Buffer.concat(parts));
    }
    case 'ping':
      return control(TYPE.PING, 0, u32(frame.id));
    case 'goaway':
      return control(TYPE.GOAWAY, 0, Buffer.concat([u32(frame.lastStreamId & 0x7fffffff), u32(frame.status)]));
    case 'window_update':
      return control(
        TYPE.WINDOW_UPDATE,
        0,
        Buffer.concat([u32(frame.streamId & 0x7fffffff), u32(frame.delta & 0x7fffffff)]),
      );
    case 'unknown':
      throw new SpdyProtocolError(`cannot encode unknown frame type ${frame.frameType}`);
  }
}

/** Incremental decoder: feed it transport bytes, get whole frames back in order. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private readonly decompressor = new HeaderDecompressor();

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const head = this.buf.subarray(0, 8);
      const payload = this.buf.subarray(8, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      frames.push(this.decode(head, Buffer.from(payload)));
    }
    return frames;
  }

  private decode(head: Buffer, p: Buffer): Frame {
    const first = head.readUInt32BE(0);
    const flags = head.readUInt8(4);
    if ((first & 0x80000000) === 0)
      return { type: 'data', streamId: first & 0x7fffffff, fin: (flags & FLAG_FIN) !== 0, data: p };
    const version = (first >>> 16) & 0x7fff;
    if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
    const type = first & 0xffff;
    const need = (n: number): void => {
      if (p.length < n) throw new SpdyProtocolError(`control frame ${type} too short`);
    };
    const fin = (flags & FLAG_FIN) !== 0;
    switch (type) {
      case TYPE.SYN_STREAM:
        need(10);
        return {
          type: 'syn_stream',
          streamId: p.readUInt32BE(0) & 0x7fffffff,
          associatedId: p.readUInt32BE(4) & 0x7fffffff,
          priority: p.readUInt8(8) >> 5,
          fin,
          unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
          headers: this.decompressor.decompress(p.subarray(10)),
        };
      case TYPE.SYN_REPLY:
      case TYPE.HEADERS:
        need(4);
        return {
          type: type === TYPE.SYN_REPLY ? 'syn_reply' : 'headers',
          streamId: p.readUInt32BE(0) & 0x7fffffff,
          fin,
          headers: this.decompressor.decompress(p.subarray(4)),
        };
      case TYPE.RST_STREAM:
        need(8);
        return { type: 'rst_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case TYPE.SETTINGS: {
        need(4);
        const n = p.readUInt32BE(0);
        need(4 + n * 8);
        const settings: Setting[] = [];
        for (let i = 0; i < n; i++) {
          const w = p.readUInt32BE(4 + i * 8);
          settings.push({ flags: w >>> 24, id: w & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
        }
        return { type: 'settings', settings };
      }
      case TYPE.PING:
        need(4);
        return { type: 'ping', id: p.readUInt32BE(0) };
      case TYPE.GOAWAY:
        need(4);
        return {
          type: 'goaway',
          lastStreamId: p.readUInt32BE(0) & 0x7fffffff,
          status: p.length >= 8 ? p.readUInt32BE(4) : 0,
        };
      case TYPE.WINDOW_UPDATE:
        need(8);
        return {
          type: 'window_update',
          streamId: p.readUInt32BE(0) & 0x7fffffff,
          delta: p.readUInt32BE(4) & 0x7fffffff,
        };
      default:
        return { type: 'unknown', frameType: type };
    }
  }
}
