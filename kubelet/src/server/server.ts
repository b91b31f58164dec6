/** The kubelet's gRPC server (service kubelab.v1.Kubelet) on KUBELAB_KUBELET_PORT. */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { SERVER_OPTIONS, kubeletService } from '@kubelab/proto';
import type { KubeletBackend } from './backend.js';
import { execHandler, logsHandler, portForwardHandler, statsHandler } from './handlers.js';

export interface KubeletServerOptions {
  backend: KubeletBackend;
  port: number;
  /** Listen address; all interfaces by default. */
  host?: string;
  log: Logger;
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
  server.addService(kubeletService().service, {
    Logs: logsHandler(o.backend, log),
    Exec: execHandler(o.backend, log),
    PortForward: portForwardHandler(o.backend, log),
    Stats: statsHandler(o.backend, log),
  });
  const host = o.host ?? '0.0.0.0';
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${o.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  log.info({ host, port }, 'kubelet API listening (grpc)');
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
