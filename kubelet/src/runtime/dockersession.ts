/**
 * Docker's hijacked exec and attach connections as ContainerStreams: the output (multiplexed
 * unless there is a tty) split into stdout and stderr with back-pressure, stdin written through,
 * and the exit code asked for once the output has ended (again while Docker has none yet).
 */
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ExecResult } from '@kubelab/proto';
import { errMessage } from '../api.js';
import { Demuxer } from './demux.js';
import type { ContainerStream } from './runtime.js';

/** Forwards a Docker output stream into stdout and stderr, pausing the source while either is full; ends both with it. */
export function splitOutput(src: Readable, tty: boolean, stdout: PassThrough, stderr: PassThrough): void {
  const forward = (dst: PassThrough, data: Buffer): void => {
    if (!dst.write(data)) {
      src.pause();
      dst.once('drain', () => src.resume());
    }
  };
  const demux = new Demuxer((kind, data) => forward(kind === 'stderr' ? stderr : stdout, data));
  src.on('data', (b: Buffer) => (tty ? forward(stdout, b) : demux.push(b)));
  const done = (): void => {
    stdout.end();
    stderr.end();
  };
  src.on('end', done);
  src.on('close', done);
  src.on('error', done);
}

/**
 * Docker records an exec's exit code when its process ends, which may be a moment after the output
 * ended: while it still counts as running it is asked again after these pauses (ms, ~5 s in all).
 */
const EXIT_RETRY_MS = [10, 20, 40, 80, 160, 320, 640, 1280, 2560];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The exit code of an exec once Docker has it; undefined when it never reported one. */
export async function exitCodeOf(
  inspect: () => Promise<Pick<Dockerode.ExecInspectInfo, 'Running' | 'ExitCode'>>,
  pause = sleep,
): Promise<number | undefined> {
  for (let i = 0; ; i++) {
    const info = await inspect();
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
    const ms = EXIT_RETRY_MS[i];
    if (ms === undefined) return undefined;
    await pause(ms);
  }
}

export interface SessionOptions {
  /** The hijacked connection. */
  sock: Duplex;
  tty: boolean;
  /** Whether stdin was asked for (else input is dropped). */
  stdin: boolean;
  resize(width: number, height: number): Promise<unknown>;
  /** How the process ended, asked once its output has ended. */
  exitOf(): Promise<ExecResult>;
  onResizeError(err: unknown): void;
}

export function hijackedSession(o: SessionOptions): ContainerStream {
  const { sock } = o;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  splitOutput(sock, o.tty, stdout, stderr);
  const streamClosed = new Promise<void>((resolve) => {
    sock.once('close', resolve);
    sock.once('end', resolve);
    sock.once('error', () => resolve());
  });
  const exit = streamClosed.then(() => o.exitOf().catch((err: unknown): ExecResult => ({ error: errMessage(err) })));
  const stdin = new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      if (!o.stdin || sock.destroyed) return cb();
      sock.write(chunk, () => cb());
    },
    final: (cb) => {
      if (o.stdin && !sock.destroyed) sock.end();
      cb();
    },
  });
  return {
    stdin,
    stdout,
    stderr,
    exit,
    resize: (w, h) => {
      if (w > 0 && h > 0) o.resize(w, h).catch(o.onResizeError);
    },
    close: () => sock.destroy(),
  };
}
