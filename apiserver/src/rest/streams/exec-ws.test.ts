import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import type { WebSocket } from 'ws';
import { serveExecWebSocket } from './exec-ws.js';
import { execStatus } from './status.js';
import type { ExecBackend, ExecRequest, ExecResult, ExecSession } from './types.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: Buffer[] = [];
  closeCode: number | undefined;
  send(data: Buffer, _opts: unknown, cb?: (err?: Error) => void): void {
    this.sent.push(Buffer.from(data));
    setImmediate(() => cb?.());
  }
  close(code: number): void {
    this.closeCode = code;
    this.readyState = 3;
    this.emit('close', code);
  }
  pause(): void {}
  resume(): void {}
  fromClient(channel: number, payload: string | number[]): void {
    const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
    this.emit('message', Buffer.concat([Buffer.from([channel]), body]), true);
  }
  channel(n: number): string {
    return Buffer.concat(this.sent.filter((m) => m[0] === n).map((m) => m.subarray(1))).toString();
  }
}

class FakeSession {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly resizes: [number, number][] = [];
  finish!: (r: ExecResult) => void;
  readonly exit = new Promise<ExecResult>((r) => (this.finish = r));
  resize(w: number, h: number): void {
    this.resizes.push([w, h]);
  }
}

function backend(session: FakeSession, seen: ExecRequest[] = []): ExecBackend {
  return { start: (req) => (seen.push(req), Promise.resolve(session as unknown as ExecSession)) };
}

const REQ: ExecRequest = { command: ['sh'], container: 'c', stdin: true, stdout: true, stderr: true, tty: false };

describe('exec over WebSocket channels', () => {
  test('v5: stdin, CLOSE signal, resize, stdout/stderr, Status then close 1000', async () => {
    const ws = new FakeWs();
    const s = new FakeSession();
    const stdin: string[] = [];
    let stdinEnded = false;
    s.stdin.on('data', (c: Buffer) => stdin.push(c.toString()));
    s.stdin.on('end', () => (stdinEnded = true));
    const done = serveExecWebSocket(ws as unknown as WebSocket, 'v5.channel.k8s.io', REQ, backend(s));
    await tick();
    ws.fromClient(4, '{"Width":80,"Height":24}\n');
    ws.fromClient(0, 'abc');
    ws.fromClient(255, [0]);
    await tick();
    assert.deepEqual(stdin, ['abc']);
    assert.equal(stdinEnded, true);
    assert.deepEqual(s.resizes, [[80, 24]]);
    s.stdout.end('out');
    s.stderr.end('err');
    s.finish({ code: 3 });
    await done;
    await tick();
    assert.equal(ws.channel(1), 'out');
    assert.equal(ws.channel(2), 'err');
    const status = JSON.parse(ws.channel(3)) as Record<string, unknown>;
    assert.deepEqual(status, {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: exit status 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    assert.equal(ws.sent.at(-1)![0], 3, 'the Status is the last message');
    assert.equal(ws.closeCode, 1000);
  });

  test('v4 ignores the CLOSE signal; success Status', async () => {
    const ws = new FakeWs();
    const s = new FakeSession();
    let stdinEnded = false;
    s.stdin.on('end', () => (stdinEnded = true)).resume();
    const done = serveExecWebSocket(ws as unknown as WebSocket, 'v4.channel.k8s.io', REQ, backend(s));
    await tick();
    ws.fromClient(255, [0]);
    await tick();
    assert.equal(stdinEnded, false);
    s.stdout.end();
    s.stderr.end();
    s.finish({ code: 0 });
    await done;
    assert.deepEqual(JSON.parse(ws.channel(3)), { metadata: {}, status: 'Success' });
  });

  test('backend failures become an InternalError Status', async () => {
    const ws = new FakeWs();
    const failing: ExecBackend = { start: () => Promise.reject(new Error('container not running')) };
    await serveExecWebSocket(ws as unknown as WebSocket, 'v5.channel.k8s.io', REQ, failing);
    await tick();
    const status = JSON.parse(ws.channel(3)) as { status: string; message: string; reason: string };
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'InternalError');
    assert.match(status.message, /container not running/);
    assert.equal(ws.closeCode, 1000);
  });

  test('the client going away aborts the session', async () => {
    const ws = new FakeWs();
    const s = new FakeSession();
    let aborted = false;
    (s as unknown as ExecSession).abort = () => {
      aborted = true;
      s.stdout.end();
      s.stderr.end();
      s.finish({ code: 137 });
    };
    const done = serveExecWebSocket(ws as unknown as WebSocket, 'v5.channel.k8s.io', REQ, backend(s));
    await tick();
    ws.close(1006);
    await done;
    assert.equal(aborted, true);
  });
});

describe('execStatus', () => {
  test('maps results like the kubelet', () => {
    assert.deepEqual(execStatus({ code: 0 }), { metadata: {}, status: 'Success' });
    assert.equal(execStatus({ code: 127 }).details?.causes[0]?.message, '127');
    assert.equal(execStatus({ error: 'boom' }).code, 500);
  });
});
