/**
 * The ingress controller's HTTP and HTTPS listeners: each request is matched against the route
 * table, answered 404 (nothing matches), 503 (the Service is missing or has no ready endpoint)
 * or 308 to HTTPS (plain HTTP for a host that spec.tls covers, ingress-nginx's ssl-redirect),
 * or else forwarded to an endpoint; Upgrade requests (WebSocket) are passed through.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { Picker, resolve, type Endpoint, type Lookup } from './backends.js';
import type { CertStore } from './certs.js';
import { Forwarder, sendPage, type ForwardInfo } from './forward.js';
import { match, tlsSecretFor, type RouteTable } from './routes.js';

export interface IngressServerDeps {
  table: () => RouteTable;
  lookup: Lookup;
  certs: CertStore;
  fallback: { cert: string; key: string };
  log: Logger;
  /** Ports as clients see them (the host's published ports), for redirects and X-Forwarded-Port. */
  publicHttpPort: number;
  publicHttpsPort: number;
}

type Outcome = { ep: Endpoint } | { status: number; headers?: Record<string, string> };

export class IngressServer {
  readonly http: http.Server;
  readonly https: https.Server;
  private readonly picker = new Picker();
  private readonly forwarder = new Forwarder();

  constructor(private readonly d: IngressServerDeps) {
    this.http = http.createServer({ keepAliveTimeout: 75_000 }, (req, res) => this.onRequest(req, res, 'http'));
    this.https = https.createServer(
      { ...d.fallback, keepAliveTimeout: 75_000, SNICallback: (name, cb) => cb(null, this.contextFor(name)) },
      (req, res) => this.onRequest(req, res, 'https'),
    );
    for (const [proto, s] of [
      ['http', this.http],
      ['https', this.https],
    ] as const) {
      s.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
        this.onUpgrade(req, socket, head, proto),
      );
      s.on('clientError', (_err, socket) => socket.destroy());
    }
  }

  private contextFor(name: string): SecureContext | undefined {
    const secret = tlsSecretFor(this.d.table(), name);
    const ctx = secret ? this.d.certs.context(secret) : undefined;
    if (secret && !ctx)
      this.d.log.warn(
        { host: name, secret, err: this.d.certs.errorOf(secret) ?? 'not found' },
        'TLS secret unusable; serving the default certificate',
      );
    return ctx; // undefined: the server's own (fake) certificate
  }

  private info(proto: 'http' | 'https'): ForwardInfo {
    return { proto, port: proto === 'http' ? this.d.publicHttpPort : this.d.publicHttpsPort };
  }

  private decide(req: http.IncomingMessage, proto: 'http' | 'https'): Outcome {
    const table = this.d.table();
    const host = req.headers.host ?? '';
    const m = match(table, host, req.url ?? '/');
    if (!m) return { status: 404 };
    const hostname = host.replace(/:\d+$/, '');
    if (proto === 'http' && hostname && tlsSecretFor(table, hostname)) {
      const port = this.d.publicHttpsPort === 443 ? '' : `:${this.d.publicHttpsPort}`;
      return { status: 308, headers: { location: `https://${hostname}${port}${req.url ?? '/'}` } };
    }
    const r = resolve(m.backend, this.d.lookup);
    if ('missing' in r) {
      this.d.log.debug({ host, path: req.url, reason: r.missing }, 'no backend: 503');
      return { status: 503 };
    }
    const ep = this.picker.pick(m.backend, r.endpoints);
    return ep ? { ep } : { status: 503 };
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, proto: 'http' | 'https'): void {
    const o = this.decide(req, proto);
    if ('ep' in o) return this.forwarder.request(req, res, o.ep, this.info(proto));
    if (o.status === 308) {
      res.writeHead(308, { ...o.headers, 'content-length': 0 });
      res.end();
      return;
    }
    sendPage(res, o.status);
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer, proto: 'http' | 'https'): void {
    const o = this.decide(req, proto);
    if ('ep' in o) return this.forwarder.upgrade(req, socket, head, o.ep, this.info(proto));
    const extra = o.headers?.location ? `location: ${o.headers.location}\r\n` : '';
    socket.end(
      `HTTP/1.1 ${o.status} ${http.STATUS_CODES[o.status] ?? ''}\r\n${extra}content-length: 0\r\nconnection: close\r\n\r\n`,
    );
  }

  async listen(host: string, httpPort: number, httpsPort: number): Promise<void> {
    await Promise.all([
      new Promise<void>((r, j) => this.http.once('error', j).listen(httpPort, host, () => r())),
      new Promise<void>((r, j) => this.https.once('error', j).listen(httpsPort, host, () => r())),
    ]);
  }

  close(): void {
    this.http.close();
    this.https.close();
    this.http.closeAllConnections();
    this.https.closeAllConnections();
    this.forwarder.close();
  }
}
