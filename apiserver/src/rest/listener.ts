/**
 * The REST API's listener. Without a certificate: plain HTTP/1.1 (node:http). With one, as
 * kube-apiserver serves: TLS offering HTTP/2 and HTTP/1.1 by ALPN (node:http2, allowHTTP1).
 * kubectl and client-go ask for HTTP/2 and then send every request and watch of a process over one
 * connection; exec, attach and port-forward (SPDY and WebSocket) dial connections of their own that
 * offer only HTTP/1.1, and the same server hands their Upgrade requests to 'upgrade' as node:https
 * does. Clients without ALPN (node:https, curl --http1.1) get HTTP/1.1.
 *
 * HTTP/2's compatibility API gives the handlers request and response objects with the surface of
 * node:http's that they use (method, url, headers, socket, body events; writeHead, setHeader,
 * write, cork, flushHeaders, end, writableEnded), so one handler serves both. What HTTP/2 forbids
 * (connection-specific headers such as Transfer-Encoding) is left out where the handlers know the
 * version (isHttp2).
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface ListenerTls {
  cert: string;
  key: string;
  /** Asks for client certificates signed by this CA (not required; the handler checks them). */
  clientCA?: string;
}

/**
 * HTTP/2 settings: up to 100 streams per connection, kube-apiserver's default since its fix for
 * the "rapid reset" attack (CVE-2023-44487; Go's client opens another connection beyond that);
 * a session may buffer 64 MB (node's default, 10 MB, ends a connection that carries many busy
 * watches with ENHANCE_YOUR_CALM).
 */
const HTTP2_OPTIONS = { settings: { maxConcurrentStreams: 100 }, maxSessionMemory: 64 } as const;

/** True for a request that came over HTTP/2. */
export function isHttp2(req: http.IncomingMessage): boolean {
  return req.httpVersionMajor >= 2;
}

/**
 * After this exchange, the request's HTTP/2 connection takes no more streams (GOAWAY; those open
 * finish). As kube-apiserver since the rapid-reset fix: a client that is not authenticated (a 401,
 * or the anonymous user of /healthz and /version) may not keep an HTTP/2 connection open.
 */
export function endHttp2Connection(req: http.IncomingMessage): void {
  if (!isHttp2(req)) return;
  const session = (req as unknown as http2.Http2ServerRequest).stream?.session;
  if (session && !session.closed && !session.destroyed) session.close();
}

/**
 * The server: node:http's http.Server, or node:http2's secure server typed as one. That has what
 * the REST facade uses of it ('upgrade', 'clientError', 'tlsClientError', listen, address, close,
 * the HTTP/1.1 timeouts) and, added here, closeAllConnections (every TLS connection, HTTP/2 or not).
 */
export function createListener(tls: ListenerTls | undefined, onRequest: RequestHandler): http.Server {
  if (!tls) return http.createServer({ keepAlive: true }, onRequest);
  const server = http2.createSecureServer(
    {
      cert: tls.cert,
      key: tls.key,
      minVersion: 'TLSv1.2',
      allowHTTP1: true,
      ...HTTP2_OPTIONS,
      ...(tls.clientCA ? { ca: tls.clientCA, requestCert: true, rejectUnauthorized: false } : {}),
    },
    onRequest as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  const sockets = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    socket.setKeepAlive(true); // as node:https's keepAlive option
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return Object.assign(server, {
    closeAllConnections(): void {
      for (const s of sockets) s.destroy();
    },
  }) as unknown as http.Server;
}
