/** A scripted Prober for unit tests: answers by container name and handler kind, records every call. */
import type { Prober, ProbeOutcome, ProbeTarget } from '../probes/prober.js';
import type { Handler } from '../probes/types.js';

export interface ProbeCall {
  container: string;
  kind: string;
  containerId: string;
  podIP: string;
  timeoutMs: number;
}

export function handlerKind(a: Handler): string {
  if (a.exec) return `exec:${(a.exec.command ?? []).join(' ')}`;
  if (a.httpGet) return `http:${a.httpGet.path ?? '/'}`;
  if (a.tcpSocket) return `tcp:${String(a.tcpSocket.port)}`;
  if (a.grpc) return `grpc:${a.grpc.port}`;
  return 'none';
}

export class FakeProber implements Prober {
  readonly calls: ProbeCall[] = [];
  /** Outcome per "<container> <kind>" (e.g. "app http:/healthz"); default success. */
  readonly answers = new Map<string, ProbeOutcome>();
  /** Called on every run before answering (e.g. to advance a clock or record ordering). */
  onCall?: (c: ProbeCall) => void;

  set(container: string, kind: string, ok: boolean, output = ok ? '' : 'HTTP probe failed with statuscode: 500'): void {
    this.answers.set(`${container} ${kind}`, { ok, output });
  }

  run(action: Handler, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
    const kind = handlerKind(action);
    const call = { container: t.container.name, kind, containerId: t.containerId, podIP: t.podIP, timeoutMs };
    this.calls.push(call);
    this.onCall?.(call);
    return Promise.resolve(this.answers.get(`${t.container.name} ${kind}`) ?? { ok: true, output: '' });
  }

  count(container: string, kind?: string): number {
    return this.calls.filter((c) => c.container === container && (kind === undefined || c.kind === kind)).length;
  }
}
