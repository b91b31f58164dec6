import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { SpdyConnection, type SpdyStream } from './spdy-connection.js';
import { encodeFrame, FrameDecoder, HeaderCompressor, type Frame } from './spdy-frames.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** An in-memory transport with a scripted SPDY client on the other end. */
class Peer {
  readonly received: Frame[] = [];
  private readonly compressor = new HeaderCompressor();
  private readonly decoder = new FrameDecoder();
  readonly transport: Duplex;

  constructor() {
    this.transport = new Duplex({
      read() {},
      write: (chunk: Buffer, _enc, cb) => {
        this.received.push(...this.decoder.push(chunk));
        cb();
      },
    });
  }

  send(f: Frame): void {
    this.transport.push(encodeFrame(f, this.compressor));
  }

  open(id: number, headers: Record<string, string>): void {
    this.send({
      type: 'syn_stream',
      streamId: id,
      associatedId: 0,
      priority: 0,
      fin: false,
      unidirectional: false,
      headers,
    });
  }

  dataBytes(id: number): number {
    return this.received
      .filter((f): f is Extract<Frame, { type: 'data' }> => f.type === 'data' && f.streamId === id)
      .reduce((n, f) => n + f.data.length, 0);
  }

  of<T extends Frame['type']>(type: T): Extract<Frame, { type: T }>[] {
    return this.received.filter((f) => f.type === type) as Extract<Frame, { type: T }>[];
  }
}

function setup(flowControl?: 'auto' | 'strict'): { peer: Peer; conn: SpdyConnection; streams: SpdyStream[] } {
  const peer = new Peer();
  const streams: SpdyStream[] = [];
  const conn = new SpdyConnection(peer.transport, {
    onStream: (s) => {
      s.reply({ accepted: 'yes' });
      streams.push(s);
    },
    ...(flowControl ? { flowControl } : {}),
  });
  return { peer, conn, streams };
}

describe('SpdyConnection', () => {
  test('accepts streams with their headers, replies, echoes pings', async () => {
    const { peer, streams } = setup();
    peer.open(1, { streamtype: 'error' });
    peer.open(3, { streamtype: 'stdout' });
    peer.send({ type: 'ping', id: 1 });
    await tick();
    assert.deepEqual(
      streams.map((s) => [s.id, s.headers['streamtype']]),
      [
        [1, 'error'],
        [3, 'stdout'],
      ],
    );
    assert.deepEqual(
      peer.of('syn_reply').map((f) => [f.streamId, f.headers]),
      [
        [1, { accepted: 'yes' }],
        [3, { accepted: 'yes' }],
      ],
    );
    assert.deepEqual(peer.of('ping'), [{ type: 'ping', id: 1 }]);
  });

  test('data in both directions; end() sends an empty DATA with FIN', async () => {
    const { peer, streams } = setup();
    peer.open(1, { streamtype: 'data' });
    await tick();
    const s = streams[0]!;
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    peer.send({ type: 'data', streamId: 1, fin: true, data: Buffer.from('ping') });
    s.end(Buffer.from('pong'));
    await tick();
    await tick();
    assert.equal(Buffer.concat(got).toString(), 'ping');
    const data = peer.of('data');
    assert.deepEqual(
      data.map((f) => [f.data.toString(), f.fin]),
      [
        ['pong', false],
        ['', true],
      ],
    );
  });

  test('credits received data with WINDOW_UPDATEs so a 64 KiB window never stalls', async () => {
    const { peer, streams } = setup();
    peer.open(1, { streamtype: 'data' });
    await tick();
    streams[0]!.resume();
    for (let i = 0; i < 6; i++) peer.send({ type: 'data', streamId: 1, fin: false, data: Buffer.alloc(16 * 1024) });
    await tick();
    await tick();
    const wu = peer.of('window_update');
    const credited = (id: number): number => wu.filter((f) => f.streamId === id).reduce((n, f) => n + f.delta, 0);
    // 96 KiB sent: the sender's windows never drop below 32 KiB.
    assert.ok(credited(0) >= 64 * 1024, `connection credit ${credited(0)}`);
    assert.ok(credited(1) >= 64 * 1024, `stream credit ${credited(1)}`);
  });

  test('a consumer that does not read withholds stream credit and pauses the transport', async () => {
    const { peer, conn, streams } = setup();
    peer.open(1, { streamtype: 'data' });
    await tick();
    for (let i = 0; i < 20; i++) peer.send({ type: 'data', streamId: 1, fin: false, data: Buffer.alloc(16 * 1024) });
    await tick();
    assert.equal(conn.transport.isPaused(), true);
    const streamCredit = (): number =>
      peer
        .of('window_update')
        .filter((f) => f.streamId === 1)
        .reduce((n, f) => n + f.delta, 0);
    const before = streamCredit();
    streams[0]!.resume();
    await tick();
    await tick();
    assert.equal(conn.transport.isPaused(), false);
    assert.ok(streamCredit() > before);
  });

  test('strict mode respects the peer window and resumes on WINDOW_UPDATE', async () => {
    const { peer, streams } = setup('strict');
    peer.open(1, { streamtype: 'data' });
    await tick();
    const s = streams[0]!;
    let done = false;
    s.write(Buffer.alloc(100 * 1024), () => (done = true));
    await tick();
    assert.equal(peer.dataBytes(1), 64 * 1024);
    assert.equal(done, false);
    peer.send({ type: 'window_update', streamId: 1, delta: 20 * 1024 });
    await tick();
    assert.equal(peer.dataBytes(1), 64 * 1024, 'the connection window is exhausted too');
    peer.send({ type: 'window_update', streamId: 0, delta: 64 * 1024 });
    await tick();
    assert.equal(peer.dataBytes(1), 84 * 1024);
    peer.send({ type: 'settings', settings: [{ id: 7, flags: 0, value: 128 * 1024 }] });
    await tick();
    assert.equal(peer.dataBytes(1), 100 * 1024);
    assert.equal(done, true);
  });

  test('auto mode sends freely until the peer shows flow control (kubectl never does)', async () => {
    const { peer, streams } = setup();
    peer.open(1, { streamtype: 'data' });
    await tick();
    streams[0]!.write(Buffer.alloc(200 * 1024));
    await tick();
    assert.equal(peer.dataBytes(1), 200 * 1024);
    peer.send({ type: 'window_update', streamId: 1, delta: 1 });
    await tick();
    streams[0]!.write(Buffer.alloc(10));
    await tick();
    assert.equal(peer.dataBytes(1), 200 * 1024, 'windows are enforced from the first WINDOW_UPDATE on');
  });

  test('RST_STREAM from the peer aborts the stream; GOAWAY ends the connection when idle', async () => {
    const { peer, conn, streams } = setup();
    peer.open(1, { streamtype: 'data' });
    await tick();
    const s = streams[0]!;
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    peer.send({ type: 'rst_stream', streamId: 1, status: 5 });
    await closed;
    assert.equal(s.aborted, true);
    assert.equal(conn.streams.size, 0);
    const gone = new Promise<void>((r) => conn.once('close', () => r()));
    peer.send({ type: 'goaway', lastStreamId: 1, status: 0 });
    await gone;
    assert.equal(conn.isClosed, true);
  });

  test('DATA for an unknown stream is answered with RST_STREAM', async () => {
    const { peer } = setup();
    peer.send({ type: 'data', streamId: 9, fin: false, data: Buffer.from('x') });
    await tick();
    assert.deepEqual(peer.of('rst_stream'), [{ type: 'rst_stream', streamId: 9, status: 2 }]);
  });
});
