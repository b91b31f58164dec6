/**
 * Container lifecycle hooks: postStart right after a container starts (a failure means the
 * container is killed and restarted per restartPolicy) and preStop before a container is stopped
 * (bounded by the grace period, whatever is left of it goes to the stop). Handlers are the probe
 * handlers (exec, httpGet, tcpSocket) plus sleep.
 */
import type { Logger } from 'pino';
import type { Container, Pod } from '@kubelab/api';
import type { EventRecorder } from '@kubelab/client/events';
import type { Prober } from './probes/prober.js';
import type { Handler } from './probes/types.js';

export type HookName = 'postStart' | 'preStop';

export interface HookRunnerOptions {
  prober: Prober;
  log: Logger;
  recorder?: EventRecorder;
  /** Waits ms (the sleep handler); tests pass a fake. */
  sleep(ms: number): Promise<void>;
  /** Upper bound of one postStart hook (default 30 s). */
  postStartTimeoutMs?: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The container's lifecycle handler of that name, or undefined. */
export function hookOf(c: Container, name: HookName): Handler | undefined {
  const l = c['lifecycle'];
  if (!isObject(l)) return undefined;
  const h = l[name];
  return isObject(h) ? (h as Handler) : undefined;
}

function describe(h: Handler): string {
  if (h.exec) return `Exec lifecycle hook ([${(h.exec.command ?? []).join(' ')}])`;
  if (h.httpGet) return `HTTP lifecycle hook (${h.httpGet.path ?? '/'})`;
  if (h.tcpSocket) return `TCP lifecycle hook (${String(h.tcpSocket.port)})`;
  if (h.sleep) return `Sleep lifecycle hook (${h.sleep.seconds})`;
  return 'Lifecycle hook';
}

export class HookRunner {
  constructor(private readonly o: HookRunnerOptions) {}

  /**
   * Runs the hook; returns undefined on success (or when there is none), else the upstream-style
   * failure message (also recorded as a FailedPostStartHook/FailedPreStopHook event).
   */
  async run(
    name: HookName,
    pod: Pod,
    spec: Container,
    containerId: string,
    podIP: string,
    timeoutMs: number,
  ): Promise<string | undefined> {
    const h = hookOf(spec, name);
    if (!h) return undefined;
    let error: string | undefined;
    if (h.sleep) {
      const ms = Math.max(0, (h.sleep.seconds ?? 0) * 1000);
      await this.o.sleep(Math.min(ms, timeoutMs));
    } else {
      const out = await this.o.prober.run(h, { podIP, containerId, container: spec }, Math.max(1, timeoutMs));
      if (!out.ok) error = out.output.trim() || 'failed';
    }
    if (error === undefined) return undefined;
    const p = pod.metadata;
    const message = `${describe(h)} for Container "${spec.name}" in Pod "${p.name ?? ''}_${p.namespace ?? 'default'}(${p.uid ?? ''})" failed - error: ${error}`;
    this.o.log.warn(
      { pod: `${p.namespace ?? 'default'}/${p.name ?? ''}`, container: spec.name, hook: name, err: error },
      'lifecycle hook failed',
    );
    this.o.recorder?.event(pod, 'Warning', name === 'postStart' ? 'FailedPostStartHook' : 'FailedPreStopHook', message);
    return message;
  }

  postStartTimeoutMs(): number {
    return this.o.postStartTimeoutMs ?? 30_000;
  }
}
