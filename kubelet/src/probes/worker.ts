/**
 * One prober worker: a single probe of a single container instance, run every period on the
 * injected timers. It turns raw outcomes into results with upstream's thresholds (a result only
 * changes after failureThreshold failures / successThreshold successes in a row) and, like
 * upstream, holds still after a liveness/startup failure until the container is replaced.
 */
import type { Container, Pod } from '@kubelab/api';
import type { Logger } from 'pino';
import type { ProbeHost, ProbeResult } from './manager.js';
import { probeTiming, probeTypeTitle, type Probe, type ProbeTiming, type ProbeType } from './types.js';

export class ProbeWorker {
  readonly timing: ProbeTiming;
  private handle: unknown;
  private stopped = false;
  private lastResult: ProbeResult | undefined;
  private resultRun = 0;
  private onHold = false;
  /** Probes actually run (for tests and logs). */
  probes = 0;

  constructor(
    private readonly host: ProbeHost,
    readonly key: string,
    readonly type: ProbeType,
    readonly containerId: string,
    private pod: Pod,
    private readonly spec: Container,
    private readonly probe: Probe,
    private podIP: string,
    private readonly startedAtMs: number,
    private readonly log: Logger,
  ) {
    this.timing = probeTiming(probe);
  }

  start(): void {
    const firstAt = this.startedAtMs + this.timing.initialDelayMs;
    this.schedule(Math.max(0, firstAt - this.host.clock.now()));
  }

  stop(): void {
    this.stopped = true;
    this.host.timers.clear(this.handle);
  }

  /** A newer copy of the pod (labels, IP) for events and targets. */
  update(pod: Pod, podIP: string): void {
    this.pod = pod;
    if (podIP) this.podIP = podIP;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.handle = this.host.timers.set(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.doProbe();
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'probe failed to run');
    }
    this.schedule(this.timing.periodMs);
  }

  private async doProbe(): Promise<void> {
    const uid = this.pod.metadata.uid ?? '';
    const name = this.spec.name;
    if (this.onHold) return;
    if (this.type === 'startup') {
      if (this.host.started(uid, name, this.containerId) === true) return;
    } else if (this.host.started(uid, name, this.containerId) === false) {
      return; // the startup probe has not succeeded yet
    }
    this.probes++;
    const out = await this.host.prober.run(
      this.probe,
      { podIP: this.podIP, containerId: this.containerId, container: this.spec },
      this.timing.timeoutMs,
    );
    if (this.stopped) return;
    const result: ProbeResult = out.ok ? 'success' : 'failure';
    if (!out.ok) {
      this.log.info({ probe: this.type, output: out.output }, 'probe failed');
      this.host.recorder?.event(
        this.pod,
        'Warning',
        'Unhealthy',
        `${probeTypeTitle(this.type)} probe failed: ${out.output.trim()}`,
      );
    }
    if (this.lastResult === result) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    if (
      (result === 'failure' && this.resultRun < this.timing.failureThreshold) ||
      (result === 'success' && this.resultRun < this.timing.successThreshold)
    )
      return;
    this.host.setResult(this.key, uid, this.containerId, result);
    if (result === 'failure' && this.type !== 'readiness') {
      // The container is about to be killed; wait for its replacement (a new worker).
      this.onHold = true;
      this.resultRun = 0;
    }
  }
}
