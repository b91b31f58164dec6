/**
 * The probe manager: one worker per running container instance and probe type, started when the
 * instance runs and stopped when it stops or is replaced. It keeps the latest result of each
 * (keyed by container id, so a result never leaks to the next instance) and calls onChange(uid)
 * whenever a result changes, so the pod is synced: readiness flips the status, a liveness or
 * startup failure makes the syncer kill the container.
 */
import type { Logger } from 'pino';
import type { Clock, Pod } from '@kubelab/api';
import type { EventRecorder } from '@kubelab/client/events';
import { SANDBOX_NAME, type RuntimeContainer } from '../runtime/runtime.js';
import type { Prober } from './prober.js';
import type { Timers } from './timers.js';
import { PROBE_TYPES, probeOf, type ProbeType } from './types.js';
import { ProbeWorker } from './worker.js';

export type ProbeResult = 'success' | 'failure';

/** What the status computation needs: has the probe of that type succeeded for this instance (false when unknown)? */
export interface ProbeView {
  ready(containerName: string, containerId: string): boolean;
  started(containerName: string, containerId: string): boolean;
}

/** What the syncer needs: which probe (if any) says the instance must be killed. */
export interface ProbeVerdicts {
  unhealthy(uid: string, containerName: string, containerId: string): 'liveness' | 'startup' | undefined;
  /** The startup probe's verdict for this instance (undefined: no startup probe). */
  started?(uid: string, containerName: string, containerId: string): boolean | undefined;
}

/** What workers see of the manager. */
export interface ProbeHost {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly prober: Prober;
  readonly recorder: EventRecorder | undefined;
  started(uid: string, name: string, containerId: string): boolean | undefined;
  setResult(key: string, uid: string, containerId: string, result: ProbeResult): void;
}

export interface ProbeManagerOptions {
  prober: Prober;
  timers: Timers;
  clock: Clock;
  log: Logger;
  recorder?: EventRecorder;
  onChange(uid: string): void;
}

interface Slot {
  containerId: string;
  result: ProbeResult | undefined;
}

function keyOf(uid: string, name: string, type: ProbeType): string {
  return `${uid}/${name}/${type}`;
}

const INITIAL: Record<ProbeType, ProbeResult | undefined> = {
  readiness: 'failure',
  liveness: 'success',
  startup: undefined,
};

export class ProbeManager implements ProbeHost, ProbeVerdicts {
  private readonly workers = new Map<string, ProbeWorker>();
  private readonly results = new Map<string, Slot>();
  private readonly log: Logger;

  constructor(private readonly o: ProbeManagerOptions) {
    this.log = o.log.child({ part: 'prober' });
  }

  get clock(): Clock {
    return this.o.clock;
  }
  get timers(): Timers {
    return this.o.timers;
  }
  get prober(): Prober {
    return this.o.prober;
  }
  get recorder(): EventRecorder | undefined {
    return this.o.recorder;
  }

  /** Starts/stops workers so each running instance of a container with probes has exactly one per type. */
  sync(pod: Pod, containers: RuntimeContainer[], podIP: string | undefined): void {
    const uid = pod.metadata.uid ?? '';
    const wanted = new Set<string>();
    const probed = [
      ...pod.spec.containers,
      ...(pod.spec.initContainers ?? []).filter((c) => c['restartPolicy'] === 'Always'),
    ];
    for (const spec of probed) {
      const cur = containers
        .filter((c) => c.containerName === spec.name && c.containerName !== SANDBOX_NAME && c.state === 'running')
        .sort((a, b) => b.restartCount - a.restartCount)[0];
      for (const type of PROBE_TYPES) {
        const probe = probeOf(spec, type);
        if (!probe || !cur) continue;
        const key = keyOf(uid, spec.name, type);
        wanted.add(key);
        const w = this.workers.get(key);
        if (w && w.containerId === cur.id) {
          w.update(pod, podIP ?? '');
          continue;
        }
        w?.stop();
        this.results.set(key, { containerId: cur.id, result: INITIAL[type] });
        const started = Date.parse(cur.startedAt ?? cur.createdAt);
        const nw = new ProbeWorker(
          this,
          key,
          type,
          cur.id,
          pod,
          spec,
          probe,
          podIP ?? '',
          Number.isFinite(started) ? started : this.o.clock.now(),
          this.log.child({
            pod: `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`,
            container: spec.name,
            probe: type,
          }),
        );
        this.workers.set(key, nw);
        nw.start();
      }
    }
    for (const [key, w] of [...this.workers]) {
      if (key.startsWith(`${uid}/`) && !wanted.has(key)) {
        w.stop();
        this.workers.delete(key);
      }
    }
  }

  /** Stops the pod's workers and forgets its results (pod deleted or gone). */
  removePod(uid: string): void {
    for (const [key, w] of [...this.workers]) {
      if (!key.startsWith(`${uid}/`)) continue;
      w.stop();
      this.workers.delete(key);
    }
    for (const key of [...this.results.keys()]) if (key.startsWith(`${uid}/`)) this.results.delete(key);
  }

  stopAll(): void {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
  }

  /** Workers currently running (tests). */
  worker(uid: string, name: string, type: ProbeType): ProbeWorker | undefined {
    return this.workers.get(keyOf(uid, name, type));
  }

  get size(): number {
    return this.workers.size;
  }

  setResult(key: string, uid: string, containerId: string, result: ProbeResult): void {
    const slot = this.results.get(key);
    if (slot && slot.containerId === containerId && slot.result === result) return;
    this.results.set(key, { containerId, result });
    this.log.debug({ key, result }, 'probe result changed');
    this.o.onChange(uid);
  }

  private result(uid: string, name: string, type: ProbeType, containerId: string): ProbeResult | undefined | null {
    const slot = this.results.get(keyOf(uid, name, type));
    if (!slot) return null;
    return slot.containerId === containerId ? slot.result : undefined;
  }

  started(uid: string, name: string, containerId: string): boolean | undefined {
    const r = this.result(uid, name, 'startup', containerId);
    if (r === null) return undefined;
    return r === 'success';
  }

  ready(uid: string, name: string, containerId: string): boolean | undefined {
    const r = this.result(uid, name, 'readiness', containerId);
    if (r === null) return undefined;
    return r === 'success';
  }

  unhealthy(uid: string, name: string, containerId: string): 'liveness' | 'startup' | undefined {
    if (this.result(uid, name, 'startup', containerId) === 'failure') return 'startup';
    if (this.result(uid, name, 'liveness', containerId) === 'failure') return 'liveness';
    return undefined;
  }

  view(uid: string): ProbeView {
    return {
      ready: (name, id) => this.ready(uid, name, id) === true,
      started: (name, id) => this.started(uid, name, id) === true,
    };
  }
}
