/** The kubelet's gRPC server (service kubelab.v1.Kubelet) on KUBELAB_KUBELET_PORT. */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { SERVER_OPTIONS, kubeletService } from '@kubelab/proto';
import { serverTls } from '@kubelab/client/grpc-auth';
import type { KubeletBackend } from './backend.js';
import { apiserverOnly, type KubeletTls } from './tls.js';
import { execHandler, logsHandler, portForwardHandler, statsHandler } from './handlers.js';

export interface KubeletServerOptions {
  backend: KubeletBackend;
  port: number;
  /** Listen address; all interfaces by default. */
  host?: string;
  log: Logger;
  /** TLS, only the apiserver's client certificate let in (tls.ts); without it plain gRPC (tests). */
  tls?: KubeletTls;
}

export interface KubeletServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Stops accepting calls and cancels running streams. */
  stop(): Promise<void>;
}

export async function startKubeletServer(o: KubeletServerOptions): Promise<KubeletServer> {
  const log = o.log.child({ server: 'kubelet-grpc' });
  const server = new grpc.Server(SERVER_OPTIONS);
  const definition = kubeletService().service;
  const handlers = {
    Logs: logsHandler(o.backend, log),
    Exec: execHandler(o.backend, log),
    PortForward: portForwardHandler(o.backend, log),
    Stats: statsHandler(o.backend, log),
  };
  server.addService(definition, o.tls ? apiserverOnly(definition, handlers, o.tls.ca) : handlers);
  const credentials = o.tls
    ? serverTls({ ca: o.tls.ca, cert: o.tls.cert, key: o.tls.key, requireClientCert: true })
    : grpc.ServerCredentials.createInsecure();
  const host = o.host ?? '0.0.0.0';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${o.port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  log.info(
    { host, port, tls: !!o.tls },
    o.tls
      ? 'kubelet API listening (grpc over TLS, the apiserver only)'
      : 'kubelet API listening (plain grpc: no TLS configured)',
  );
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}

/** Runs the server until the signal aborts. */
export async function runKubeletServer(o: KubeletServerOptions, signal: AbortSignal): Promise<void> {
  const s = await startKubeletServer(o);
  if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
  await s.stop();
}
