/** Fixtures for this package's tests: objects, in-memory stores, a silent logger. */
import pino from 'pino';
import type { Endpoints, KubeObject, Service } from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { Store } from './proxier.js';

export const silentLog = pino({ level: 'silent' });

export function svc(name: string, spec: Service['spec'], ns = 'default'): Service {
  return { metadata: { name, namespace: ns, resourceVersion: '1' }, spec };
}

export function eps(name: string, subsets: Endpoints['subsets'], ns = 'default'): Endpoints {
  return { metadata: { name, namespace: ns, resourceVersion: '1' }, subsets };
}

/** Ready endpoints of one unnamed TCP port. */
export function tcpEndpoints(name: string, backends: { ip: string; port: number }[], ns = 'default'): Endpoints {
  const byPort = new Map<number, string[]>();
  for (const b of backends) byPort.set(b.port, [...(byPort.get(b.port) ?? []), b.ip]);
  return eps(
    name,
    [...byPort].map(([port, ips]) => ({ addresses: ips.map((ip) => ({ ip })), ports: [{ port, protocol: 'TCP' }] })),
    ns,
  );
}

export class MapStore<T extends KubeObject> implements Store<T> {
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
  const log = pino({ level: 'warn' }, { write: (line: string) => void messages.push((JSON.parse(line) as { msg: string }).msg) });
  return { log, messages };
}
