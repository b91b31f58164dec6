/**
 * Exec/attach over WebSocket, channel protocols v5.channel.k8s.io and v4.channel.k8s.io: every
 * binary message starts with a channel byte (0 stdin, 1 stdout, 2 stderr, 3 error Status,
 * 4 resize, 255 v5 CLOSE signal `[255, channel]`). The session ends with the Status on channel 3
 * and a close frame 1000. Pings are answered by ws (autoPong).
 */
import { PassThrough, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { ResizeParser, runExecSession, type ExecChannels } from './exec-session.js';
import type { ExecBackend, ExecRequest } from './types.js';

export const CH_STDIN = 0;
export const CH_STDOUT = 1;
export const CH_STDERR = 2;
export const CH_ERROR = 3;
export const CH_RESIZE = 4;
export const CH_CLOSE = 255;

export const WS_EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

/** Writable that sends each chunk as one message on `channel`, one in flight at a time. */
export function channelWriter(ws: WebSocket, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) {
        cb();
        return;
      }
      ws.send(Buffer.concat([Buffer.from([channel]), chunk]), { binary: true }, () => cb());
    },
  });
}

/** Channels of an open WebSocket, for runExecSession. Exported for tests. */
export function webSocketChannels(ws: WebSocket, protocol: string, req: ExecRequest): ExecChannels {
  const stdin = req.stdin ? new PassThrough() : null;
  let resize: ((w: number, h: number) => void) | undefined;
  const resizer = new ResizeParser((w, h) => resize?.(w, h));
  const v5 = protocol.startsWith('v5.');

  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!isBinary || buf.length === 0) return;
    const payload = buf.subarray(1);
    switch (buf[0]) {
      case CH_STDIN:
        if (stdin && !stdin.writableEnded && payload.length > 0 && !stdin.write(payload)) {
          ws.pause();
          stdin.once('drain', () => ws.resume());
        }
        return;
      case CH_RESIZE:
        resizer.push(payload);
        return;
      case CH_CLOSE:
        if (v5 && payload[0] === CH_STDIN) stdin?.end();
        return;
      default:
        return;
    }
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  void closed.then(() => {
    if (stdin && !stdin.writableEnded) stdin.end();
  });

  return {
    stdin,
    stdout: req.stdout ? channelWriter(ws, CH_STDOUT) : null,
    stderr: req.stderr && !req.tty ? channelWriter(ws, CH_STDERR) : null,
    onResize: (cb) => (resize = cb),
    finish: (status) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(
        Buffer.concat([Buffer.from([CH_ERROR]), Buffer.from(JSON.stringify(status), 'utf8')]),
        { binary: true },
        () => ws.close(1000),
      );
    },
    closed,
  };
}

export function serveExecWebSocket(
  ws: WebSocket,
  protocol: string,
  req: ExecRequest,
  backend: ExecBackend,
  log?: Logger,
): Promise<void> {
  ws.on('error', (err) => log?.debug({ err: err.message }, 'exec websocket error'));
  return runExecSession(backend, req, webSocketChannels(ws, protocol, req), log);
}
