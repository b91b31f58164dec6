/**
 * Exec/attach over SPDY/3.1 (remotecommand v4/v5 on SPDY): the client opens one stream per
 * channel (header `streamtype`: error, stdin, stdout, stderr, resize); each gets a SYN_REPLY.
 * Once all expected streams are there the command starts. At the end stdout and stderr get an
 * empty DATA+FIN, then the Status goes on the error stream with FIN; the client closes the
 * connection (we do after a grace period).
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ResizeParser, runExecSession, type ExecChannels } from './exec-session.js';
import { SpdyConnection, type SpdyStream } from './spdy-connection.js';
import type { ExecBackend, ExecRequest } from './types.js';

/** Server preference: v4 (what upstream's kubelet answers 1.27–1.29 with); v5 on SPDY is the same. */
export const SPDY_EXEC_PROTOCOLS = ['v4.channel.k8s.io', 'v5.channel.k8s.io'] as const;

const STREAM_WAIT_MS = 30_000;
const CLOSE_GRACE_MS = 10_000;

function expectedStreams(req: ExecRequest): Set<string> {
  const want = new Set(['error']);
  if (req.stdin) want.add('stdin');
  if (req.stdout) want.add('stdout');
  if (req.stderr && !req.tty) want.add('stderr');
  if (req.tty) want.add('resize');
  return want;
}

export function serveExecSpdy(transport: Duplex, req: ExecRequest, backend: ExecBackend, log?: Logger): Promise<void> {
  const want = expectedStreams(req);
  const got = new Map<string, SpdyStream>();
  return new Promise<void>((resolve) => {
    let started = false;
    const conn = new SpdyConnection(transport, {
      log,
      onStream: (s) => {
        const type = s.headers['streamtype'] ?? '';
        s.on('error', (err) => log?.debug({ err: err.message, stream: type }, 'exec stream error'));
        s.reply();
        if (started || !want.has(type) || got.has(type)) {
          // Unexpected streams are accepted and drained, as upstream does with unknown types.
          s.resume();
          return;
        }
        got.set(type, s);
        if (got.size === want.size) start();
      },
    });
    const timer = setTimeout(() => {
      log?.debug({ got: [...got.keys()] }, 'timed out waiting for exec streams');
      conn.close();
      resolve();
    }, STREAM_WAIT_MS);
    conn.once('close', () => {
      clearTimeout(timer);
      if (!started) resolve();
    });

    const start = (): void => {
      started = true;
      clearTimeout(timer);
      const error = got.get('error')!;
      error.resume(); // the client never writes on it
      const resize = got.get('resize');
      let onResize: ((w: number, h: number) => void) | undefined;
      if (resize) {
        const parser = new ResizeParser((w, h) => onResize?.(w, h));
        resize.on('data', (chunk: Buffer) => parser.push(chunk));
      }
      const channels: ExecChannels = {
        stdin: got.get('stdin') ?? null,
        stdout: got.get('stdout') ?? null,
        stderr: got.get('stderr') ?? null,
        onResize: (cb) => (onResize = cb),
        finish: (status) => {
          error.end(Buffer.from(JSON.stringify(status), 'utf8'));
          const grace = setTimeout(() => conn.close(), CLOSE_GRACE_MS);
          conn.once('close', () => clearTimeout(grace));
        },
        closed: new Promise<void>((r) => conn.once('close', () => r())),
      };
      void runExecSession(backend, req, channels, log).finally(resolve);
    };
  });
}
