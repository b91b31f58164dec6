import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, type Readable } from 'node:stream';
import { frame } from './demux.js';
import { exitCodeOf, hijackedSession } from './dockersession.js';

/** A hijacked connection: what the engine sends is pushed by the test, what is written is kept. */
function socket() {
  const written: Buffer[] = [];
  let ended = false;
  const sock = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
    final(cb) {
      ended = true;
      cb();
    },
  });
  return { sock, written, ended: () => ended };
}

async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r) s += String(c);
  return s;
}

describe('hijacked exec/attach sessions', () => {
  it('splits multiplexed output, passes stdin through, asks for the exit once the output ended', async () => {
    const s = socket();
    let asked = 0;
    const p = hijackedSession({
      sock: s.sock,
      tty: false,
      stdin: true,
      resize: () => Promise.resolve(),
      exitOf: () => Promise.resolve({ code: ++asked === 1 ? 7 : -1 }),
      onResizeError: () => undefined,
    });
    p.stdin.write('input');
    p.stdin.end();
    s.sock.push(Buffer.concat([frame('stdout', 'out 1\n'), frame('stderr', 'err\n')]).subarray(0, 10));
    s.sock.push(
      Buffer.concat([frame('stdout', 'out 1\n'), frame('stderr', 'err\n'), frame('stdout', 'out 2\n')]).subarray(10),
    );
    assert.equal(asked, 0, 'no exit asked while the output runs');
    s.sock.push(null);
    const [out, err, exit] = await Promise.all([text(p.stdout), text(p.stderr), p.exit]);
    assert.equal(out, 'out 1\nout 2\n');
    assert.equal(err, 'err\n');
    assert.deepEqual(exit, { code: 7 });
    assert.equal(Buffer.concat(s.written).toString(), 'input');
    assert.ok(s.ended(), 'the end of stdin closes the write side');
  });

  it('with a tty the output is raw; without stdin asked for, input is dropped; a failed exit lookup is an error result', async () => {
    const s = socket();
    const resized: number[][] = [];
    const p = hijackedSession({
      sock: s.sock,
      tty: true,
      stdin: false,
      resize: (w, h) => (resized.push([w, h]), Promise.resolve()),
      exitOf: () => Promise.reject(new Error('docker inspect exec: no such exec')),
      onResizeError: () => undefined,
    });
    p.stdin.write('dropped');
    p.resize(80, 24);
    p.resize(0, 24);
    s.sock.push('\x1b[1mbold\x1b[0m\r\n');
    s.sock.push(null);
    assert.equal(await text(p.stdout), '\x1b[1mbold\x1b[0m\r\n');
    assert.deepEqual(await p.exit, { error: 'docker inspect exec: no such exec' });
    assert.deepEqual(resized, [[80, 24]]);
    assert.equal(s.written.length, 0);
  });

  it('exitCodeOf: asks again with growing pauses while the exec still runs; gives up after ~5 s', async () => {
    const pauses: number[] = [];
    const pause = (ms: number): Promise<void> => (pauses.push(ms), Promise.resolve());
    const answers = [
      { Running: true, ExitCode: null },
      { Running: false, ExitCode: null },
      { Running: false, ExitCode: 2 },
    ];
    assert.equal(await exitCodeOf(() => Promise.resolve(answers.shift()!), pause), 2);
    assert.deepEqual(pauses, [10, 20]);
    pauses.length = 0;
    assert.equal(await exitCodeOf(() => Promise.resolve({ Running: true, ExitCode: null }), pause), undefined);
    assert.equal(
      pauses.reduce((a, b) => a + b, 0),
      5110,
    );
  });
});
