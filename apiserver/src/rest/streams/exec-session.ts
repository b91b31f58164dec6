/**
 * Runs one exec/attach session between a transport's channels (WebSocket or SPDY) and an
 * ExecBackend: stdin in, stdout/stderr out with back-pressure, resizes, and the final Status once
 * the command has exited and its output is drained.
 */
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { execStatus, type ExecStatus } from './status.js';
import type { ExecBackend, ExecRequest, ExecResult, ExecSession } from './types.js';

/** How long to wait for output to drain after the command exited. */
const DRAIN_GRACE_MS = 5_000;

export interface ExecChannels {
  stdin: Readable | null;
  stdout: Writable | null;
  stderr: Writable | null;
  /** Registers the resize listener. */
  onResize(cb: (width: number, height: number) => void): void;
  /** Writes the Status and ends the transport the way the protocol wants. */
  finish(status: ExecStatus): void;
  /** Settles when the client has gone away. */
  closed: Promise<void>;
}

function pipeOut(src: Readable | null, dst: Writable | null): Promise<void> {
  return new Promise((resolve) => {
    if (!src) {
      dst?.end();
      resolve();
      return;
    }
    if (!dst) {
      src
        .on('end', resolve)
        .on('close', resolve)
        .on('error', () => resolve());
      src.resume();
      return;
    }
    dst.on('finish', resolve).on('close', resolve);
    src.on('error', () => dst.end());
    src.on('close', () => {
      if (!dst.writableEnded) dst.end();
    });
    src.pipe(dst);
  });
}

function finished(w: Writable | null): Promise<void> {
  if (!w || w.writableFinished || w.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    w.once('finish', resolve).once('close', resolve);
    if (!w.writableEnded) w.end();
  });
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function runExecSession(
  backend: ExecBackend,
  req: ExecRequest,
  ch: ExecChannels,
  log: Logger | undefined,
): Promise<void> {
  let session: ExecSession;
  try {
    session = await backend.start(req);
  } catch (err) {
    log?.debug({ err: message(err) }, 'exec backend failed to start');
    ch.stdout?.end();
    ch.stderr?.end();
    ch.finish(execStatus({ error: message(err) }));
    return;
  }
  let done = false;
  void ch.closed.then(() => {
    if (!done) session.abort?.();
  });

  if (ch.stdin) {
    if (session.stdin) {
      const sink = session.stdin;
      sink.on('error', (err) => log?.debug({ err: message(err) }, 'exec stdin closed early'));
      ch.stdin.pipe(sink);
    } else ch.stdin.resume();
  }
  ch.onResize((w, h) => {
    try {
      session.resize(w, h);
    } catch (err) {
      log?.debug({ err: message(err) }, 'resize failed');
    }
  });

  const drained = Promise.all([pipeOut(session.stdout, ch.stdout), pipeOut(session.stderr, ch.stderr)]);
  const result: ExecResult = await session.exit.catch((err: unknown) => ({ error: message(err) }));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, DRAIN_GRACE_MS)))]);
  clearTimeout(timer);
  done = true;
  // stdout and stderr are finished (FIN on SPDY) before the Status goes out.
  await Promise.all([finished(ch.stdout), finished(ch.stderr)]);
  ch.finish(execStatus(result));
}

/** Parses `{"Width":W,"Height":H}` objects from a byte stream (newline-separated JSON). */
export class ResizeParser {
  private text = '';

  constructor(private readonly emit: (width: number, height: number) => void) {}

  push(chunk: Buffer): void {
    this.text += chunk.toString('utf8');
    for (;;) {
      const end = this.text.indexOf('}');
      if (end < 0) return;
      const obj = this.text.slice(0, end + 1);
      this.text = this.text.slice(end + 1);
      try {
        const size = JSON.parse(obj.slice(obj.indexOf('{'))) as { Width?: unknown; Height?: unknown };
        if (typeof size.Width === 'number' && typeof size.Height === 'number') this.emit(size.Width, size.Height);
      } catch {
        /* a malformed size is ignored, as upstream does */
      }
    }
  }
}
