/**
 * gRPC bidi calls of the Kubelet service as Node streams: an Exec call as an ExecSession, a
 * PortForward call as a Duplex, a Logs call as a Readable. Each waits for the kubelet's response
 * headers (sent once the container side is ready) or its error before resolving, so that errors
 * reach the HTTP client as a Status and not as a broken stream.
 */
import type * as grpc from '@grpc/grpc-js';
import { Duplex, PassThrough, Writable, type Readable } from 'node:stream';
import {
  ApiError,
  execResultOf,
  type Chunk,
  type ExecInput,
  type ExecOutput,
  type ExecResult,
  type PortForwardData,
} from '@kubelab/proto';
import type { ExecSession } from './types.js';

type Call = grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>;

/** Resolves when the server has sent its headers, rejects with its error (as ApiError). */
export function ready(call: Call): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onMeta = (): void => {
      call.off('error', onError);
      resolve();
    };
    const onError = (err: unknown): void => {
      call.off('metadata', onMeta);
      reject(ApiError.from(err));
    };
    call.once('metadata', onMeta);
    call.once('error', onError);
  });
}

function cancelledByUs(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 1; // CANCELLED
}

export async function logsStream(call: grpc.ClientReadableStream<Chunk>): Promise<Readable> {
  await ready(call);
  const out = new PassThrough();
  call.on('data', (c: Chunk) => {
    if (!out.write(c.data)) {
      call.pause();
      out.once('drain', () => call.resume());
    }
  });
  call.on('end', () => out.end());
  call.on('error', (err) => {
    if (cancelledByUs(err)) out.end();
    else out.destroy(ApiError.from(err));
  });
  out.on('close', () => call.cancel());
  return out;
}

export async function execSession(
  call: grpc.ClientDuplexStream<ExecInput, ExecOutput>,
  start: ExecInput,
): Promise<ExecSession> {
  call.write(start);
  await ready(call);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let settle: (r: ExecResult) => void = () => undefined;
  const exit = new Promise<ExecResult>((resolve) => {
    settle = resolve;
  });
  const push = (dst: PassThrough, b: Buffer): void => {
    if (!dst.write(b)) {
      call.pause();
      dst.once('drain', () => call.resume());
    }
  };
  let finished = false;
  const finish = (r: ExecResult): void => {
    if (finished) return;
    finished = true;
    stdout.end();
    stderr.end();
    settle(r);
  };
  call.on('data', (m: ExecOutput) => {
    if (m.output === 'stdout' && m.stdout) push(stdout, m.stdout);
    else if (m.output === 'stderr' && m.stderr) push(stderr, m.stderr);
    else if (m.output === 'exit' && m.exit) {
      finish(execResultOf(m.exit));
      call.end();
    }
  });
  call.on('end', () => finish({ error: 'the kubelet ended the stream without an exit code' }));
  call.on('error', (err) => finish({ error: ApiError.from(err).message }));
  let inputClosed = false;
  const stdin = new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      if (finished || inputClosed) return cb();
      call.write({ stdin: chunk }, () => cb());
    },
    final: (cb) => {
      if (!finished && !inputClosed) call.write({ stdinClose: true });
      inputClosed = true;
      cb();
    },
    // Only a destroy with an error aborts: autoDestroy after a normal end() must not cancel the call.
    destroy: (err, cb) => {
      if (err && !finished) call.cancel();
      cb(err);
    },
  });
  // The consumer went away before the end: stop the command's stream.
  const abandon = (): void => {
    if (!finished) call.cancel();
  };
  stdout.on('close', () => {
    if (!stdout.readableEnded) abandon();
  });
  const want = start.start;
  if (want && !want.stdout) stdout.resume();
  if (want && (!want.stderr || want.tty)) stderr.resume();
  return {
    stdin: want && !want.stdin ? null : stdin,
    stdout: want && !want.stdout ? null : stdout,
    stderr: want && (!want.stderr || want.tty) ? null : stderr,
    exit,
    resize: (w, h) => {
      if (!finished) call.write({ resize: { width: w, height: h } });
    },
    abort: () => {
      if (!finished) call.cancel();
      finish({ error: 'aborted by the client' });
    },
  };
}

export async function portForwardStream(
  call: grpc.ClientDuplexStream<PortForwardData, PortForwardData>,
  first: PortForwardData,
): Promise<Duplex> {
  call.write(first);
  await ready(call);
  let ours = false;
  const d = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      call.write({ port: 0, data: chunk }, () => cb());
    },
    final(cb) {
      call.end();
      cb();
    },
    read() {
      call.resume();
    },
    destroy(err, cb) {
      ours = true;
      call.cancel();
      cb(err);
    },
  });
  call.on('data', (m: PortForwardData) => {
    if (m.data?.length && !d.push(m.data)) call.pause();
  });
  call.on('end', () => d.push(null));
  call.on('error', (err) => {
    if (ours || cancelledByUs(err)) return;
    d.destroy(ApiError.from(err));
  });
  return d;
}
