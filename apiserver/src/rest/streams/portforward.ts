/**
 * Port-forward (portforward.k8s.io) over raw SPDY/3.1 (POST, all kubectl versions) or SPDY
 * tunnelled in WebSocket binary messages (GET, subprotocol SPDY/3.1+portforward.k8s.io, kubectl
 * 1.31+). Per forwarded connection the client opens an `error` and a `data` stream sharing
 * `requestid` and carrying `port`; bytes are pumped between the data stream and the backend's
 * connection with back-pressure, failures are written as text on the error stream.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createWebSocketStream } from 'ws';
import { ApiError } from '@kubelab/proto';
import { SpdyConnection, type SpdyStream } from './spdy-connection.js';
import type { PortForwardBackend } from './types.js';
import {
  acceptWebSocket,
  headerValues,
  rejectUpgrade,
  upgradeKind,
  upgradeRequired,
  webSocketProtocols,
  writeSwitchingProtocols,
} from './upgrade.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const PORT_FORWARD_WS_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
const PAIR_WAIT_MS = 30_000;

export interface PortForwardUpgradeOptions {
  backend: PortForwardBackend;
  /** For error texts, e.g. "default/web". */
  podName?: string;
  log?: Logger;
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Serves the port-forward protocol on an established SPDY transport. Resolves when it closes. */
export function servePortForward(transport: Duplex, opts: PortForwardUpgradeOptions): Promise<void> {
  const log = opts.log;
  const pairs = new Map<string, Pair>();
  return new Promise<void>((resolve) => {
    const conn = new SpdyConnection(transport, {
      log,
      onStream: (s) => {
        s.on('error', (err) => log?.debug({ err: err.message }, 'port-forward stream error'));
        s.reply();
        const type = s.headers['streamtype'];
        const id = s.headers['requestid'] ?? String(s.id);
        if (type !== 'error' && type !== 'data') {
          s.reset();
          return;
        }
        let pair = pairs.get(id);
        if (!pair) {
          const timer = setTimeout(() => {
            pairs.delete(id);
            pair?.error?.reset();
            pair?.data?.reset();
          }, PAIR_WAIT_MS);
          pair = { timer };
          pairs.set(id, pair);
        }
        if (pair[type]) {
          s.reset();
          return;
        }
        pair[type] = s;
        if (pair.error && pair.data) {
          clearTimeout(pair.timer);
          pairs.delete(id);
          void forward(pair.error, pair.data, opts);
        }
      },
    });
    conn.once('close', () => {
      for (const p of pairs.values()) clearTimeout(p.timer);
      pairs.clear();
      resolve();
    });
  });
}

async function forward(error: SpdyStream, data: SpdyStream, opts: PortForwardUpgradeOptions): Promise<void> {
  const log = opts.log;
  error.resume(); // the client half-closes it at once
  const portText = data.headers['port'] ?? error.headers['port'] ?? '';
  const port = Number(portText);
  const fail = (text: string): void => {
    log?.debug({ port: portText, err: text }, 'port-forward failed');
    error.end(Buffer.from(text, 'utf8'));
    data.end();
  };
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    fail(`invalid port header ${JSON.stringify(portText)}`);
    return;
  }
  let target: Duplex;
  try {
    target = await opts.backend.connect(port);
  } catch (err) {
    fail(`error forwarding port ${port} to pod ${opts.podName ?? ''}: ${message(err)}`);
    return;
  }
  if (data.aborted) {
    target.destroy();
    error.end();
    return;
  }
  log?.debug({ port }, 'port-forward connection');
  target.on('error', (err) => {
    log?.debug({ port, err: err.message }, 'port-forward target error');
    if (!error.writableEnded)
      error.end(Buffer.from(`error forwarding port ${port} to pod ${opts.podName ?? ''}: ${err.message}`, 'utf8'));
  });
  // Client -> target: ends the target's write side at the client's FIN.
  data.pipe(target);
  // Target -> client: FIN on the data stream when the target is done.
  target.pipe(data);
  target.once('close', () => {
    if (!data.writableEnded) data.end();
    if (!error.writableEnded) error.end();
  });
  data.once('close', () => {
    if (data.aborted) target.destroy();
  });
}

/**
 * Takes over an upgrade request's socket for port-forward. Never throws: failures before the 101
 * are answered with a Status.
 */
export async function handlePortForwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  opts: PortForwardUpgradeOptions,
): Promise<void> {
  const kind = upgradeKind(req);
  if (kind === 'websocket') {
    const offered = webSocketProtocols(req);
    if (!offered.includes(PORT_FORWARD_WS_PROTOCOL)) {
      rejectUpgrade(
        socket,
        new ApiError(
          'BadRequest',
          `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${PORT_FORWARD_WS_PROTOCOL}]`,
        ),
      );
      return;
    }
    const ws = await acceptWebSocket(req, socket, head, PORT_FORWARD_WS_PROTOCOL);
    ws.on('error', (err) => opts.log?.debug({ err: err.message }, 'port-forward websocket error'));
    const tunnel = createWebSocketStream(ws);
    opts.log?.debug('port-forward over websocket tunnel');
    await servePortForward(tunnel, opts);
    ws.close(1000);
    return;
  }
  if (kind === 'spdy') {
    const offered = headerValues(req, 'x-stream-protocol-version');
    if (!offered.includes(PORT_FORWARD_PROTOCOL)) {
      rejectUpgrade(
        socket,
        new ApiError(
          'Forbidden',
          `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${PORT_FORWARD_PROTOCOL}]`,
        ),
      );
      return;
    }
    writeSwitchingProtocols(socket, { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': PORT_FORWARD_PROTOCOL });
    if (head.length > 0) socket.unshift(head);
    opts.log?.debug('port-forward over spdy');
    await servePortForward(socket, opts);
    return;
  }
  rejectUpgrade(socket, upgradeRequired());
}
