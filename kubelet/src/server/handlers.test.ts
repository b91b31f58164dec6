import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import pino from 'pino';
import {
  ApiError,
  type ExecInput,
  type ExecResult,
  type LogOptions,
  type PodRef,
  type StatsResponse,
} from '@kubelab/proto';
import type { ContainerStream } from '../runtime/runtime.js';
import type { ExecStreamOptions, KubeletBackend } from './backend.js';
import { execHandler, logsHandler } from './handlers.js';

const log = pino({ level: 'silent' });

/** Enough of a grpc-js server call for the handlers: records writes, end, errors and metadata. */
class FakeCall extends EventEmitter {
  written: unknown[] = [];
  ended = false;
  meta = 0;
  errors: { code?: number; details?: string }[] = [];
  constructor(readonly request: unknown = undefined) {
    super();
    this.on('error', (e: { code?: number; details?: string }) => this.errors.push(e));
  }
  write(m: unknown): boolean {
    this.written.push(m);
    return true;
  }
  end(): void {
    this.ended = true;
    this.emit('finished');
  }
  sendMetadata(): void {
    this.meta++;
  }
}

function waitFor(call: FakeCall, ev: string): Promise<void> {
  return new Promise((r) => call.once(ev, () => r()));
}

class FakeBackend implements KubeletBackend {
  stdin: Buffer[] = [];
  stdinEnded = false;
  resized: [number, number][] = [];
  execCalls: { pod: PodRef; container: string; opts: ExecStreamOptions }[] = [];
  proc: { stdout: PassThrough; stderr: PassThrough; finish: (r: ExecResult) => void } | undefined;
  logs(pod: PodRef, container: string, _opts: LogOptions): Promise<Readable> {
    if (container !== 'app')
      return Promise.reject(new ApiError('NotFound', `container "${container}" in pod "${pod.name}" is not available`));
    const s = new PassThrough();
    s.end('line 1\nline 2\n');
    return Promise.resolve(s);
  }
  exec(pod: PodRef, container: string, opts: ExecStreamOptions): Promise<ContainerStream> {
    this.execCalls.push({ pod, container, opts });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let finish: (r: ExecResult) => void = () => undefined;
    const exit = new Promise<ExecResult>((r) => (finish = r));
    this.proc = { stdout, stderr, finish };
    const stdin = new Writable({
      write: (c: Buffer, _e, cb) => {
        this.stdin.push(c);
        cb();
      },
      final: (cb) => {
        this.stdinEnded = true;
        cb();
      },
    });
    return Promise.resolve({
      stdin,
      stdout,
      stderr,
      exit,
      resize: (w, h) => this.resized.push([w, h]),
      close: () => undefined,
    });
  }
  portForward(): Promise<Duplex> {
    return Promise.reject(new Error('unused'));
  }
  stats(): Promise<StatsResponse> {
    return Promise.reject(new Error('unused'));
  }
}

const pod = { namespace: 'default', name: 'web', uid: '' };

describe('kubelet gRPC handlers', () => {
  it('Logs: headers first, one Chunk per piece, then end; unknown container → NotFound', async () => {
    const b = new FakeBackend();
    const ok = new FakeCall({
      pod,
      container: 'app',
      follow: false,
      previous: false,
      hasTailLines: false,
      tailLines: 0,
      sinceSeconds: 0,
      sinceTime: '',
      timestamps: false,
      limitBytes: 0,
    });
    logsHandler(b, log)(ok as never);
    await waitFor(ok, 'finished');
    assert.equal(ok.meta, 1);
    assert.equal(Buffer.concat((ok.written as { data: Buffer }[]).map((m) => m.data)).toString(), 'line 1\nline 2\n');

    const bad = new FakeCall({ pod, container: 'nope' });
    logsHandler(b, log)(bad as never);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(bad.errors[0]?.code, 5);
    assert.equal(bad.errors[0]?.details, 'container "nope" in pod "web" is not available');
  });

  it('Exec: start, early stdin is kept, resize, outputs, then the exit code last', async () => {
    const b = new FakeBackend();
    const call = new FakeCall();
    execHandler(b, log)(call as never);
    const start: ExecInput = {
      input: 'start',
      start: {
        pod,
        container: 'app',
        command: ['cat'],
        stdin: true,
        stdout: true,
        stderr: true,
        tty: false,
        attach: false,
      },
    };
    call.emit('data', start);
    call.emit('data', { input: 'stdin', stdin: Buffer.from('early') });
    await new Promise((r) => setImmediate(r));
    assert.equal(call.meta, 1);
    assert.deepEqual(b.execCalls[0]?.opts.command, ['cat']);
    assert.equal(Buffer.concat(b.stdin).toString(), 'early');
    call.emit('data', { input: 'resize', resize: { width: 80, height: 24 } });
    call.emit('data', { input: 'stdinClose', stdinClose: true });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(b.resized, [[80, 24]]);
    assert.equal(b.stdinEnded, true);
    b.proc!.stdout.end('out');
    b.proc!.stderr.end('err');
    b.proc!.finish({ code: 3 });
    await waitFor(call, 'finished');
    assert.deepEqual(call.written.at(-1), { exit: { code: 3, error: '' } });
    assert.deepEqual(
      call.written
        .slice(0, -1)
        .map((m) => JSON.stringify(Object.fromEntries(Object.entries(m as object).map(([k, v]) => [k, String(v)]))))
        .sort(),
      ['{"stderr":"err"}', '{"stdout":"out"}'],
    );
  });

  it('Exec: a first message that is not a start is a BadRequest', async () => {
    const call = new FakeCall();
    execHandler(new FakeBackend(), log)(call as never);
    call.emit('data', { input: 'stdin', stdin: Buffer.from('x') });
    await new Promise((r) => setImmediate(r));
    assert.equal(call.errors[0]?.code, 3);
    assert.match(call.errors[0]?.details ?? '', /first message/);
  });
});
