/**
 * Entry point for exec/attach upgrades: picks WebSocket (GET, v5/v4.channel.k8s.io, kubectl
 * 1.30+) or SPDY/3.1 (POST, X-Stream-Protocol-Version v4/v5, kubectl 1.27–1.29 and the 1.30+
 * fallback) and runs the session against the backend.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import { serveExecSpdy, SPDY_EXEC_PROTOCOLS } from './exec-spdy.js';
import { serveExecWebSocket, WS_EXEC_PROTOCOLS } from './exec-ws.js';
import type { ExecBackend, ExecRequest } from './types.js';
import {
  acceptWebSocket,
  headerValues,
  negotiate,
  rejectUpgrade,
  upgradeKind,
  upgradeRequired,
  webSocketProtocols,
  writeSwitchingProtocols,
} from './upgrade.js';

export interface ExecUpgradeOptions {
  subresource: 'exec' | 'attach';
  query: URLSearchParams;
  backend: ExecBackend;
  /** The container after defaulting; `query.container` when omitted. */
  container?: string;
  log?: Logger;
}

const flag = (q: URLSearchParams, name: string): boolean => {
  const v = (q.get(name) ?? '').toLowerCase();
  return v === 'true' || v === '1';
};

/** ExecRequest from the query (`command` repeated, `container`, `stdin`, `stdout`, `stderr`, `tty`). */
export function parseExecQuery(
  subresource: 'exec' | 'attach',
  query: URLSearchParams,
  container?: string,
): ExecRequest {
  const req: ExecRequest = {
    command: subresource === 'exec' ? query.getAll('command') : [],
    container: container ?? query.get('container') ?? '',
    stdin: flag(query, 'stdin'),
    stdout: flag(query, 'stdout'),
    stderr: flag(query, 'stderr'),
    tty: flag(query, 'tty'),
  };
  if (subresource === 'exec' && req.command.length === 0)
    throw new ApiError('BadRequest', 'you must specify at least 1 command');
  if (!req.stdin && !req.stdout && !req.stderr)
    throw new ApiError('BadRequest', 'you must specify at least 1 of stdin, stdout, stderr');
  return req;
}

/**
 * Takes over an upgrade request's socket. Never throws: failures before the 101 are answered
 * with a Status, failures after it end the session.
 */
export async function handleExecUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  opts: ExecUpgradeOptions,
): Promise<void> {
  const log = opts.log;
  let execReq: ExecRequest;
  try {
    execReq = parseExecQuery(opts.subresource, opts.query, opts.container);
  } catch (err) {
    rejectUpgrade(socket, err);
    return;
  }
  const kind = upgradeKind(req);
  if (kind === 'websocket') {
    const offered = webSocketProtocols(req);
    const protocol = negotiate(offered, WS_EXEC_PROTOCOLS);
    if (!protocol) {
      rejectUpgrade(
        socket,
        new ApiError(
          'BadRequest',
          `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${WS_EXEC_PROTOCOLS.join(' ')}]`,
        ),
      );
      return;
    }
    const ws = await acceptWebSocket(req, socket, head, protocol);
    log?.debug({ protocol, command: execReq.command }, `${opts.subresource} over websocket`);
    await serveExecWebSocket(ws, protocol, execReq, opts.backend, log);
    return;
  }
  if (kind === 'spdy') {
    const offered = headerValues(req, 'x-stream-protocol-version');
    const protocol = negotiate(offered, SPDY_EXEC_PROTOCOLS);
    if (!protocol) {
      rejectUpgrade(
        socket,
        new ApiError(
          'Forbidden',
          `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${SPDY_EXEC_PROTOCOLS.join(' ')}]`,
        ),
      );
      return;
    }
    writeSwitchingProtocols(socket, { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': protocol });
    if (head.length > 0) socket.unshift(head);
    log?.debug({ protocol, command: execReq.command }, `${opts.subresource} over spdy`);
    await serveExecSpdy(socket, execReq, opts.backend, log);
    return;
  }
  rejectUpgrade(socket, upgradeRequired());
}
