/**
 * HTTP/1.1 upgrade plumbing shared by exec/attach and port-forward: which upgrade the client asks
 * for, protocol negotiation, the 101 answer, Status errors written on the raw socket, and the
 * WebSocket server (ws) that completes RFC 6455 handshakes with a chosen subprotocol.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError } from '@kubelab/proto';

export type UpgradeKind = 'websocket' | 'spdy';

export function upgradeKind(req: IncomingMessage): UpgradeKind | undefined {
  const connection = headerValues(req, 'connection').map((v) => v.toLowerCase());
  if (!connection.includes('upgrade')) return undefined;
  const upgrade = headerValues(req, 'upgrade').map((v) => v.toLowerCase());
  if (upgrade.includes('websocket')) return 'websocket';
  if (upgrade.includes('spdy/3.1')) return 'spdy';
  return undefined;
}

/** All values of a header, repeated or comma-separated. */
export function headerValues(req: IncomingMessage, name: string): string[] {
  const out: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== name) continue;
    for (const v of raw[i + 1]!.split(',')) {
      const t = v.trim();
      if (t) out.push(t);
    }
  }
  return out;
}

/** The first of the server's protocols (in server preference order) that the client offers. */
export function negotiate(offered: string[], supported: readonly string[]): string | undefined {
  return supported.find((p) => offered.includes(p));
}

export function writeSwitchingProtocols(socket: Duplex, headers: Record<string, string>): void {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Answers an upgrade request with an upstream-style Status and closes the socket. */
export function rejectUpgrade(socket: Duplex, err: unknown): void {
  if (socket.destroyed) return;
  const status = ApiError.from(err).toStatus();
  const body = Buffer.from(JSON.stringify(status), 'utf8');
  const head = [
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}`,
    'Content-Type: application/json',
    'Cache-Control: no-cache, private',
    `Content-Length: ${body.length}`,
    'Connection: close',
  ].join('\r\n');
  socket.end(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), body]));
}

export const upgradeRequired = (): ApiError => new ApiError('BadRequest', 'Upgrade request required');

const chosenProtocol = new WeakMap<IncomingMessage, string>();
let wss: WebSocketServer | undefined;

function server(): WebSocketServer {
  if (!wss) {
    wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
    // ws rejects subprotocols that are not RFC 7230 tokens, and "SPDY/3.1+portforward.k8s.io"
    // is not one: the protocol is negotiated here and its answer header added by hand.
    wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const p = chosenProtocol.get(req);
      if (p) headers.push(`Sec-WebSocket-Protocol: ${p}`);
    });
  }
  return wss;
}

/** Completes a WebSocket handshake answering with `protocol` (already negotiated). */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocol: string,
): Promise<WebSocket> {
  chosenProtocol.set(req, protocol);
  delete req.headers['sec-websocket-protocol'];
  return new Promise((resolve) => server().handleUpgrade(req, socket, head, (ws) => resolve(ws)));
}

/** Offered WebSocket subprotocols. */
export function webSocketProtocols(req: IncomingMessage): string[] {
  return headerValues(req, 'sec-websocket-protocol');
}
