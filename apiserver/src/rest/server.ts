/**
 * The Kubernetes REST facade of the apiserver: HTTP/2 or HTTP/1.1 over TLS, as the client asks,
 * when a certificate is configured (listener.ts), else plain HTTP/1.1. Each request is
 * authenticated (authn.ts: client certificate, admin or bootstrap token), authorized from its URL
 * (attributes.ts, the chain in auth/defaults.ts: 403 as upstream's) and its writes pass admission
 * (NodeRestriction); one request context per exchange, errors rendered as upstream Status
 * objects, and every request logged at debug level. Nothing a client sends can crash the process.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeletConnector } from '../kubelets/connector.js';
import type { Registry } from '../registry/types.js';
import type { RequestContext } from './context.js';
import { ANONYMOUS_USER, type UserInfo } from '../auth/user.js';
import { admittingRegistry } from '../auth/admission.js';
import { authorizeOrThrow } from '../auth/authorizer.js';
import { impersonate } from './impersonation.js';
import { defaultEnforcement, type Enforcement } from '../auth/defaults.js';
import { sendUnauthorized } from './auth.js';
import { requestAttributes } from './attributes.js';
import { authenticate } from './authn.js';
import { rejectUpgrade } from './streams/upgrade.js';
import { createListener, endHttp2Connection } from './listener.js';
import { parseAccept } from './media.js';
import { sendError } from './respond.js';
import { addWarnings } from './decode/strict.js';
import { route } from './router.js';
import { matchStreamPath, serveStreamUpgrade, type StreamPath } from './streams/dispatch.js';
import type { StreamBackends } from './streams/types.js';
import type { TokenIssuer } from '../serviceaccount/token-request.js';
import type { Attributes } from '../auth/attributes.js';
import type { ApiMetrics } from '../telemetry/requests.js';

export interface RestServerOptions {
  registry: Registry;
  port: number;
  log: Logger;
  signal: AbortSignal;
  /** Listen address; all interfaces when omitted. */
  host?: string;
  /** Reaches the kubelets for pods/log (and the exec/port-forward backends). */
  kubelets?: KubeletConnector;
  /** Backends for pods/exec, attach and portforward; those answer 503 when absent. */
  streams?: StreamBackends;
  /**
   * PEM certificate (chain) and key: serve HTTPS. Plain HTTP when omitted. With clientCA, client
   * certificates it signed authenticate their CN as user and O as groups (asked for, not required).
   */
  tls?: { cert: string; key: string; clientCA?: string };
  /** The admin bearer token. Without one every request is the admin's (no authentication). */
  token?: string;
  /** Bootstrap tokens (auth/bootstrap-token.ts) as bearer tokens. */
  bootstrapTokens?: (token: string) => Promise<UserInfo | undefined>;
  /** ServiceAccount tokens (JWTs, serviceaccount/authenticator.ts) as bearer tokens. */
  serviceAccountTokens?: (token: string) => Promise<UserInfo | undefined>;
  /** Signs TokenRequests (serviceaccounts/token); without it they answer 503. */
  tokens?: TokenIssuer;
  /** Authorizer and admission plugins; the apiserver's defaults over the registry when omitted. */
  enforcement?: Enforcement;
  /** Counts and times every request, and serves GET /metrics. */
  metrics?: ApiMetrics;
}

export async function startRestServer(opts: RestServerOptions): Promise<http.Server> {
  const log = opts.log.child({ server: 'rest' });
  let nextId = 0;
  // One abort listener per request in flight (every open watch holds one): not a leak.
  setMaxListeners(0, opts.signal);
  const enforcement = opts.enforcement ?? defaultEnforcement(opts.registry);
  const authn = {
    ...(opts.token !== undefined ? { token: opts.token } : {}),
    ...(opts.bootstrapTokens ? { bootstrapTokens: opts.bootstrapTokens } : {}),
    ...(opts.serviceAccountTokens ? { serviceAccountTokens: opts.serviceAccountTokens } : {}),
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = Date.now();
    const id = ++nextId;
    const reqLog = log.child({ req: id });
    const ac = new AbortController();
    // A request answered in full has nothing left to stop (aborting each one cost a DOMException).
    const abort = (): void => {
      if (!res.writableFinished) ac.abort();
    };
    res.on('close', abort);
    // A connection reset mid-request surfaces in the handler; never as an unhandled 'error' event.
    req.on('error', (err) => reqLog.debug({ err: err.message }, 'request stream error'));
    res.on('error', (err) => reqLog.debug({ err: err.message }, 'response stream error'));
    opts.signal.addEventListener('abort', abort, { once: true });
    let attrs: Attributes | undefined;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const caller = await authenticate(req, url.pathname, authn);
      if (!caller || caller.name === ANONYMOUS_USER.name) endHttp2Connection(req);
      if (!caller) {
        sendUnauthorized(res);
        return;
      }
      const user = await impersonate(req, caller, enforcement.authorizer);
      const method = (req.method ?? 'GET').toUpperCase();
      attrs = requestAttributes(user, method, url);
      await authorizeOrThrow(enforcement.authorizer, attrs);
      const ctx: RequestContext = {
        req,
        res,
        method,
        url,
        query: url.searchParams,
        accept: parseAccept(req.headers.accept),
        registry: admittingRegistry(opts.registry, user, enforcement.admission, (m) => addWarnings(res, [m], 4096)),
        user,
        authorizer: enforcement.authorizer,
        log: reqLog,
        signal: ac.signal,
      };
      if (opts.kubelets) ctx.kubelets = opts.kubelets;
      if (opts.tokens) ctx.tokens = opts.tokens;
      if (opts.metrics) ctx.metrics = opts.metrics;
      await route(ctx);
    } catch (err) {
      const status = sendError(res, err);
      if (status.code >= 500 && !(err instanceof ApiError)) reqLog.error({ err }, 'request failed');
    } finally {
      opts.signal.removeEventListener('abort', abort);
      if (attrs) opts.metrics?.rest(attrs, res.statusCode, (Date.now() - started) / 1000);
      reqLog.debug(
        {
          method: req.method,
          url: req.url,
          http: req.httpVersion,
          status: res.statusCode,
          ms: Date.now() - started,
          agent: req.headers['user-agent'],
        },
        'request',
      );
    }
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'unexpected error in request handler');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const server = createListener(opts.tls, onRequest);
  const servePlain = (req: http.IncomingMessage, socket: Duplex): void => {
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'unexpected error in upgrade request handler');
      socket.destroy();
    });
  };
  // Exec, attach and port-forward: authenticated and authorized (create on the subresource) before
  // the pod is even looked up; an unauthenticated upgrade is served as a plain request (401).
  const upgradeStream = async (
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    path: StreamPath,
    url: URL,
  ): Promise<void> => {
    const caller = await authenticate(req, url.pathname, authn);
    if (!caller) return servePlain(req, socket);
    try {
      const user = await impersonate(req, caller, enforcement.authorizer);
      await authorizeOrThrow(enforcement.authorizer, requestAttributes(user, req.method ?? 'GET', url));
    } catch (err) {
      rejectUpgrade(socket, err);
      return;
    }
    await serveStreamUpgrade(req, socket, head, path, { registry: opts.registry, streams: opts.streams, log });
  };
  // Upgrade requests: the stream subresources take the socket over; any other URL is served as a
  // plain request on that socket (Node routes every Upgrade request here once a listener exists).
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    let url: URL | undefined;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      /* served below as a plain request, which answers the bad URL */
    }
    const path = url && matchStreamPath(url.pathname);
    if (url && path) {
      upgradeStream(req, socket, head, path, url).catch((err: unknown) => {
        log.error({ err }, 'unexpected error in stream upgrade');
        rejectUpgrade(socket, err);
      });
      return;
    }
    servePlain(req, socket);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  // Watches are long-lived responses; only the request itself must arrive in time.
  server.requestTimeout = 60_000;
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
  server.on('clientError', (err, socket) => {
    log.debug({ err: err.message }, 'client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo | null;
  const scheme = opts.tls ? 'https' : 'http';
  log.info(
    {
      address: addr?.address,
      port: addr?.port,
      scheme,
      authentication: opts.token
        ? [
            'bearer token',
            ...(opts.bootstrapTokens ? ['bootstrap tokens'] : []),
            ...(opts.tls?.clientCA ? ['client certificates'] : []),
          ]
        : 'none',
    },
    `Kubernetes REST API listening (${scheme})`,
  );

  const close = (): void => {
    server.close();
    server.closeAllConnections();
    for (const s of upgraded) s.destroy(); // exec/attach/port-forward sessions
  };
  if (opts.signal.aborted) close();
  else opts.signal.addEventListener('abort', close, { once: true });
  return server;
}
