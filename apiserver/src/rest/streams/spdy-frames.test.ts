import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import {
  encodeFrame,
  encodeHeaderBlock,
  FrameDecoder,
  HeaderCompressor,
  HeaderDecompressor,
  SpdyProtocolError,
  type Frame,
  type SpdyHeaders,
} from './spdy-frames.js';

const SYNC = zlib.constants.Z_SYNC_FLUSH;

/** Feeds `chunk` to a persistent zlib stream and returns what one sync flush yields. */
function throughStream(z: zlib.Inflate | zlib.Deflate, chunk: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  const on = (d: Buffer): void => {
    parts.push(d);
  };
  z.on('data', on);
  return new Promise((resolve, reject) => {
    z.once('error', reject);
    z.write(chunk);
    z.flush(SYNC, () => {
      z.off('data', on);
      z.off('error', reject);
      resolve(Buffer.concat(parts));
    });
  });
}

describe('SPDY/3 dictionary', () => {
  test('has the spec length and layout', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.deepEqual([...SPDY3_DICTIONARY.subarray(0, 11)], [0, 0, 0, 7, ...Buffer.from('options')]);
    assert.equal(SPDY3_DICTIONARY.subarray(-6).toString(), 'enq=0.');
  });
});

describe('SPDY frames', () => {
  const frames: Frame[] = [
    {
      type: 'syn_stream',
      streamId: 1,
      associatedId: 0,
      priority: 0,
      fin: false,
      unidirectional: false,
      headers: { streamtype: 'error', port: '80', requestid: '0' },
    },
    {
      type: 'syn_stream',
      streamId: 3,
      associatedId: 0,
      priority: 2,
      fin: true,
      unidirectional: false,
      headers: { streamtype: 'data', port: '80', requestid: '0' },
    },
    { type: 'syn_reply', streamId: 3, fin: false, headers: {} },
    { type: 'headers', streamId: 3, fin: false, headers: { multi: 'a\0b' } },
    { type: 'data', streamId: 3, fin: false, data: Buffer.from('hello') },
    { type: 'data', streamId: 3, fin: true, data: Buffer.alloc(0) },
    { type: 'rst_stream', streamId: 5, status: 5 },
    {
      type: 'settings',
      settings: [
        { id: 7, flags: 0, value: 1 << 20 },
        { id: 4, flags: 1, value: 100 },
      ],
    },
    { type: 'ping', id: 7 },
    { type: 'window_update', streamId: 0, delta: 65536 },
    { type: 'goaway', lastStreamId: 3, status: 0 },
  ];

  test('round trip, byte by byte, one header zlib stream across frames', () => {
    const c = new HeaderCompressor();
    const wire = Buffer.concat(frames.map((f) => encodeFrame(f, c)));
    const d = new FrameDecoder();
    const out: Frame[] = [];
    for (let i = 0; i < wire.length; i++) out.push(...d.push(wire.subarray(i, i + 1)));
    assert.deepEqual(out, frames);
  });

  test('layout of a data frame and a ping', () => {
    const c = new HeaderCompressor();
    assert.deepEqual(
      [...encodeFrame({ type: 'data', streamId: 5, fin: true, data: Buffer.from('ab') }, c)],
      [0, 0, 0, 5, 1, 0, 0, 2, 97, 98],
    );
    assert.deepEqual([...encodeFrame({ type: 'ping', id: 1 }, c)], [0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]);
  });

  test('repeated headers compress better later (the stream keeps its history)', () => {
    const c = new HeaderCompressor();
    const h = { streamtype: 'stdout', 'x-some-long-header-name': 'some long value that repeats' };
    const first = c.compress(h);
    const second = c.compress(h);
    assert.ok(second.length < first.length, `${second.length} < ${first.length}`);
  });

  test('our header blocks are one continuous zlib stream for a standard inflater', async () => {
    const c = new HeaderCompressor();
    const inflater = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
    const blocks: SpdyHeaders[] = [
      { streamtype: 'error' },
      { streamtype: 'stdout', big: 'q'.repeat(40_000) },
      { streamtype: 'stderr' },
      { streamtype: 'error', big: 'q'.repeat(40_000) },
    ];
    const d = new HeaderDecompressor();
    for (const h of blocks) {
      const raw = await throughStream(inflater, c.compress(h));
      assert.equal(raw.readUInt32BE(0), Object.keys(h).length);
      assert.ok(raw.includes(Buffer.from(h['streamtype']!)));
    }
    inflater.destroy();
    // and our decompressor reads them too
    const c2 = new HeaderCompressor();
    for (const h of blocks) assert.deepEqual(d.decompress(c2.compress(h)), h);
  });

  test("reads a standard deflater's sync-flushed blocks across the 32 KiB window", async () => {
    const deflater = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
    const d = new HeaderDecompressor();
    const blocks: SpdyHeaders[] = [
      { streamtype: 'error' },
      { streamtype: 'data', pad: 'z'.repeat(50_000) },
      { streamtype: 'data', port: '8080', pad: 'z'.repeat(1000) },
    ];
    for (const h of blocks) {
      const block = await throughStream(deflater, encodeHeaderBlock(h));
      assert.deepEqual(d.decompress(block), h);
    }
    deflater.destroy();
  });

  test('rejects other SPDY versions and corrupt header blocks', () => {
    const bad = Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]);
    assert.throws(() => new FrameDecoder().push(bad), SpdyProtocolError);
    const corrupt = Buffer.from([0x80, 3, 0, 2, 0, 0, 0, 8, 0, 0, 0, 1, 1, 2, 3, 4]);
    assert.throws(() => new FrameDecoder().push(corrupt), SpdyProtocolError);
  });
});
