/** Starting and stopping the gRPC server that serves the Resources service. */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { SERVER_OPTIONS, resourcesService } from '@kubelab/proto';
import { serverTls } from '@kubelab/client/grpc-auth';
import type { Registry } from '../registry/types.js';
import { authenticatedHandlers, type GrpcAuthn } from '../auth/grpc-authn.js';
import type { Enforcement } from '../auth/defaults.js';
import { resourcesHandlers } from './service.js';
import { measuredHandlers } from '../telemetry/grpc.js';
import type { ApiMetrics } from '../telemetry/requests.js';
import type { TokenIssuer } from '../serviceaccount/token-request.js';

export interface GrpcServerOptions {
  registry: Registry;
  port: number;
  /** Listen address (default 0.0.0.0). */
  host?: string;
  log: Logger;
  /**
   * TLS with this serving certificate, every call authenticated (auth/grpc-authn.ts). Without it
   * the server speaks plain gRPC and every call acts as the admin (tests and a PKI-less apiserver).
   */
  tls?: { cert: string; key: string; authn: GrpcAuthn };
  /** Authorizer and admission plugins; the apiserver's defaults over the registry when omitted. */
  enforcement?: Enforcement;
  /** Signs TokenRequests (Create of serviceaccounts/token); without it they answer 503. */
  tokens?: TokenIssuer;
  /** Counts and times every call (served at the REST API's GET /metrics). */
  metrics?: ApiMetrics;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server(SERVER_OPTIONS);
  const definition = resourcesService().service;
  const handlers = resourcesHandlers(opts.registry, opts.log.child({ server: 'grpc' }), opts.enforcement, opts.tokens);
  const served = opts.tls ? authenticatedHandlers(definition, handlers, opts.tls.authn) : handlers;
  server.addService(definition, opts.metrics ? measuredHandlers(definition, served, opts.metrics) : served);
  const credentials = opts.tls
    ? serverTls({ ca: opts.tls.authn.caCert, cert: opts.tls.cert, key: opts.tls.key, requireClientCert: false })
    : grpc.ServerCredentials.createInsecure();
  const address = `${opts.host ?? '0.0.0.0'}:${opts.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port };
}

/** Lets running calls finish for up to graceMs, then cuts the rest (watches never finish on their own). */
export function stopGrpcServer(server: grpc.Server, graceMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
