/**
 * Forwarding one request (or one Upgrade, e.g. a WebSocket) to an endpoint, as a reverse proxy:
 * hop-by-hop headers dropped, X-Forwarded-* and X-Real-IP added like ingress-nginx, keep-alive
 * connections to endpoints reused, bytes streamed both ways. Failures answer 502 (no
 * connection) or 504 (connect timeout), with nginx's pages.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { Endpoint } from './backends.js';
import { errorPage } from './pages.js';

const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

export interface ForwardInfo {
  proto: 'http' | 'https';
  /** The port the client connected to, as the client sees it. */
  port: number;
}

export function forwardedHeaders(req: http.IncomingMessage, info: ForwardInfo): Record<string, string> {
  const client = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
  const prior = req.headers['x-forwarded-for'];
  return {
    'x-real-ip': client,
    'x-forwarded-for': prior ? `${String(prior)}, ${client}` : client,
    'x-forwarded-host': req.headers.host ?? '',
    'x-forwarded-port': String(info.port),
    'x-forwarded-proto': info.proto,
    'x-forwarded-scheme': info.proto,
  };
}

function requestHeaders(req: http.IncomingMessage, info: ForwardInfo): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && v !== undefined) out[k] = v;
  return { ...out, ...forwardedHeaders(req, info) };
}

export function sendPage(res: http.ServerResponse, status: number, extra: Record<string, string> = {}): void {
  const p = errorPage(status);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, p.text, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(p.body), ...extra });
  res.end(p.body);
}

export class Forwarder {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 60_000 });

  constructor(private readonly connectTimeoutMs = 5_000) {}

  request(req: http.IncomingMessage, res: http.ServerResponse, ep: Endpoint, info: ForwardInfo): void {
    let connected = false;
    const up = http.request({
      host: ep.ip,
      port: ep.port,
      method: req.method,
      path: req.url,
      headers: requestHeaders(req, info),
      agent: this.agent,
    });
    const timer = setTimeout(() => {
      if (!connected) up.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    }, this.connectTimeoutMs);
    up.on('socket', (s) => {
      if (!s.connecting) connected = true;
      else s.once('connect', () => (connected = true));
    });
    up.on('response', (r) => {
      clearTimeout(timer);
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(r.headers)) if (!HOP.has(k) && v !== undefined) headers[k] = v;
      res.writeHead(r.statusCode ?? 502, r.statusMessage, headers);
      r.pipe(res);
      r.on('error', () => res.destroy());
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sendPage(res, err.code === 'ETIMEDOUT' ? 504 : 502);
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }

  /** Passes an Upgrade request through: the endpoint's answer (101 or not) and then raw bytes. */
  upgrade(req: http.IncomingMessage, client: net.Socket, head: Buffer, ep: Endpoint, info: ForwardInfo): void {
    const up = net.connect({ host: ep.ip, port: ep.port });
    const fail = (status: number): void => {
      const p = errorPage(status);
      if (client.writable)
        client.end(
          `HTTP/1.1 ${status} ${p.text}\r\ncontent-type: text/html\r\ncontent-length: ${Buffer.byteLength(p.body)}\r\nconnection: close\r\n\r\n${p.body}`,
        );
      up.destroy();
    };
    const timer = setTimeout(() => fail(504), this.connectTimeoutMs);
    up.once('error', () => {
      clearTimeout(timer);
      fail(502);
    });
    client.on('error', () => up.destroy());
    up.once('connect', () => {
      clearTimeout(timer);
      up.on('error', () => client.destroy());
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i]!;
        if (!/^x-(real-ip|forwarded-(for|host|port|proto|scheme))$/i.test(k))
          lines.push(`${k}: ${req.rawHeaders[i + 1]}`);
      }
      for (const [k, v] of Object.entries(forwardedHeaders(req, info))) lines.push(`${k}: ${v}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length > 0) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
