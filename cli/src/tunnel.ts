/**
 * `kubelab tunnel`: for hosts without a route to the lab's Docker network (Docker Desktop on
 * macOS and Windows), like `minikube tunnel`: every TCP port of every LoadBalancer Service is
 * listened on at 127.0.0.1:<port> and forwarded to the Service's node port on 127.0.0.1 (which
 * compose publishes on every platform). Follows the Services every 2 s until Ctrl-C.
 */
import * as net from 'node:net';
import { apiGet, type ApiAccess } from './api-get.js';
import type { Log } from './output.js';

interface Svc {
  metadata: { namespace?: string; name?: string };
  spec: { type?: string; ports?: { port: number; nodePort?: number; protocol?: string }[] };
}

export interface TunnelRoute {
  port: number;
  nodePort: number;
  service: string;
}

/** The routes the Services ask for; a host port two Services want goes to the first (by name). */
export function tunnelRoutes(services: Svc[]): TunnelRoute[] {
  const out = new Map<number, TunnelRoute>();
  const sorted = [...services].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
  );
  for (const s of sorted) {
    if (s.spec.type !== 'LoadBalancer') continue;
    for (const p of s.spec.ports ?? []) {
      if ((p.protocol ?? 'TCP') !== 'TCP' || !p.nodePort || out.has(p.port)) continue;
      out.set(p.port, { port: p.port, nodePort: p.nodePort, service: `${s.metadata.namespace}/${s.metadata.name}` });
    }
  }
  return [...out.values()];
}

function forwarder(route: TunnelRoute, host: string, log: Log): net.Server {
  const server = net.createServer((c) => {
    const up = net.connect({ host, port: route.nodePort });
    c.setNoDelay(true);
    up.setNoDelay(true);
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  server.on('error', (err) => log(`  ${route.service}: cannot listen on 127.0.0.1:${route.port}: ${err.message}`));
  server.listen(route.port, '127.0.0.1', () =>
    log(`  ${route.service}: http://127.0.0.1:${route.port} → node port ${route.nodePort}`),
  );
  return server;
}

export async function runTunnel(api: ApiAccess, nodePortHost: string, log: Log, signal: AbortSignal): Promise<void> {
  const open = new Map<string, net.Server>();
  log('tunnel: forwarding 127.0.0.1:<port> of every LoadBalancer Service to its node port (Ctrl-C stops)');
  while (!signal.aborted) {
    const res = await apiGet(api, '/api/v1/services');
    if (res?.status === 200) {
      const want = new Map(
        tunnelRoutes((res.body as { items: Svc[] }).items).map((r) => [`${r.port}>${r.nodePort}`, r]),
      );
      for (const [k, s] of open) if (!want.has(k)) s.close(), open.delete(k);
      for (const [k, r] of want) if (!open.has(k)) open.set(k, forwarder(r, nodePortHost, log));
    }
    await new Promise<void>((r) => {
      const t = setTimeout(r, 2000);
      signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    });
  }
  for (const s of open.values()) s.close();
}
