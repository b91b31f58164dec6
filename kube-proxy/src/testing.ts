/** Fixtures for this package's tests: objects, in-memory stores, a silent logger. */
import pino from 'pino';
import type { EndpointSlice, KubeObject, Service } from '@kubelab/api';
import { objectKey, type Lister } from '@kubelab/client';

export const silentLog = pino({ level: 'silent' });

export function svc(name: string, spec: Service['spec'], ns = 'default'): Service {
  return { metadata: { name, namespace: ns, resourceVersion: '1' }, spec };
}

/** One EndpointSlice of a service: endpoints (ready unless said otherwise) and named ports. */
export function slice(
  service: string,
  endpoints: { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string }[],
  ports: { name?: string; port: number; protocol?: string }[],
  opts: { ns?: string; name?: string } = {},
): EndpointSlice {
  const ns = opts.ns ?? 'default';
  return {
    metadata: {
      name: opts.name ?? `${service}-abc`,
      namespace: ns,
      resourceVersion: '1',
      labels: { 'kubernetes.io/service-name': service },
    },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: {
        ready: e.ready ?? true,
        serving: e.serving ?? e.ready ?? true,
        terminating: e.terminating ?? false,
      },
      ...(e.node ? { nodeName: e.node } : {}),
    })),
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}

/** Ready endpoints of one unnamed TCP port, as one slice per target port. */
export function tcpSlices(service: string, backends: { ip: string; port: number }[], portName = ''): EndpointSlice[] {
  const byPort = new Map<number, string[]>();
  for (const b of backends) byPort.set(b.port, [...(byPort.get(b.port) ?? []), b.ip]);
  return [...byPort].map(([port, ips]) =>
    slice(
      service,
      ips.map((ip) => ({ ip })),
      [{ name: portName, port }],
      { name: `${service}-${port}` },
    ),
  );
}

/** Slices by service key, for a Proxier's `slices` option. */
export class SliceStore {
  private readonly m = new Map<string, EndpointSlice[]>();
  set(svcKey: string, slices: EndpointSlice[]): void {
    this.m.set(svcKey, slices);
  }
  of = (svcKey: string): EndpointSlice[] => this.m.get(svcKey) ?? [];
}

export class MapStore<T extends KubeObject> implements Lister<T> {
  private readonly m = new Map<string, T>();
  constructor(items: T[] = []) {
    for (const i of items) this.put(i);
  }
  put(obj: T): void {
    this.m.set(objectKey(obj), obj);
  }
  remove(key: string): void {
    this.m.delete(key);
  }
  list(): T[] {
    return [...this.m.values()];
  }
  get(key: string): T | undefined {
    return this.m.get(key);
  }
}

/** A port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Resolves when cond() holds; rejects after timeoutMs. Polls on the event loop. */
export async function waitFor(cond: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A logger that keeps the messages it was given (warn and above). */
export function capturingLog(): { log: import('pino').Logger; messages: string[] } {
  const messages: string[] = [];
  const log = pino(
    { level: 'warn' },
    { write: (line: string) => void messages.push((JSON.parse(line) as { msg: string }).msg) },
  );
  return { log, messages };
}
