/**
 * Streams of the in-memory runtimes (fake.ts, hollow.ts): a session that plays a command's
 * output and exit, and a log read from text.
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { ExecResult } from '@kubelab/proto';
import type { ContainerLogOptions, ContainerStream } from './runtime.js';

/** A session whose output is already known; it ends after the output (or when closed, if `result` never settles). */
export function playedSession(
  output: { stdout?: string; stderr?: string },
  result: Promise<ExecResult>,
): ContainerStream {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let closed: (r: ExecResult) => void = () => undefined;
  const exit = Promise.race([result, new Promise<ExecResult>((r) => (closed = r))]).then((r) => {
    stdout.end(output.stdout ?? '');
    stderr.end(output.stderr ?? '');
    return r;
  });
  const stdin = new Writable({ write: (_chunk, _enc, cb) => cb() });
  return {
    stdin,
    stdout,
    stderr,
    exit,
    resize: () => undefined,
    close: () => closed({ error: 'closed by the caller' }),
  };
}

/** The lines of `text` that the options ask for (timestamps and since are not kept in memory). */
export function logFrom(text: string, o: ContainerLogOptions): Readable {
  let lines = text.split(/(?<=\n)/).filter((l) => l.length > 0);
  if (o.tailLines !== undefined) lines = o.tailLines === 0 ? [] : lines.slice(-o.tailLines);
  const out = new PassThrough();
  out.end(lines.join(''));
  return out;
}
