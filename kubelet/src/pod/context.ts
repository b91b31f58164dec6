/**
 * What the steps of a pod sync share. SyncerDeps is made once per kubelet (from SyncerOptions):
 * the runtime, images, back-offs and what was already reported. A SyncContext is made per sync of
 * one pod: the pod, its log, the result being built (why containers wait, when to sync again)
 * and, once there is one, its running sandbox.
 */
import type { Logger } from 'pino';
import type { Clock, Container, Pod } from '@kubelab/api';
import type { EventRecorder } from '@kubelab/client/events';
import type { RestartBackoff } from '../backoff.js';
import type { EnvObjects } from '../env/objects.js';
import type { HookRunner } from '../hooks.js';
import type { ImageManager } from '../images.js';
import { gracePeriodOf } from '../podspec.js';
import type { ProbeVerdicts } from '../probes/manager.js';
import type { ContainerRuntime, Sandbox } from '../runtime/runtime.js';
import type { Waiting } from '../status.js';
import type { VolumeManager } from '../volumes/manager.js';
import type { ContainerConfigs } from './containerconfig.js';
import type { EventType, PodEvents } from './events.js';
import type { PodKiller } from './kill.js';

export interface SyncResult {
  /** Why containers are waiting (CrashLoopBackOff, ErrImagePull, ...), for the status. */
  waiting: Map<string, Waiting>;
  /** Sync this pod again after this many ms (a back-off ends). */
  requeueAfterMs?: number;
}

export interface SyncerOptions {
  runtime: ContainerRuntime;
  images: ImageManager;
  clock: Clock;
  log: Logger;
  network: string;
  pauseImage: string;
  crashLoop: { baseMs: number; maxMs: number };
  /** Events about pods (Created, Started, BackOff, ...); best effort. */
  recorder?: EventRecorder;
  /** Liveness/startup verdicts of the prober: a failed instance is killed and restarted per restartPolicy. */
  probes?: ProbeVerdicts;
  /** postStart/preStop hooks; without it hooks are not run. */
  hooks?: HookRunner;
  /** The node's IP (status.hostIP in env). */
  hostIP?: string;
  /** ConfigMaps, Secrets and Services for env; without it such references count as missing. */
  envObjects?: EnvObjects;
  /** Node allocatable cpu (cores) and memory (bytes), for resourceFieldRef without limits. */
  allocatable?: { cpu: number; memory: number };
  /** Pod volumes (emptyDir, configMap, secret, downwardAPI, projected, hostPath); without it none are mounted. */
  volumes?: VolumeManager;
}

/** The kubelet-wide parts every step may use. */
export interface SyncerDeps
  extends Pick<
    SyncerOptions,
    'runtime' | 'images' | 'clock' | 'log' | 'network' | 'pauseImage' | 'crashLoop' | 'probes' | 'hooks'
  > {
  configs: ContainerConfigs;
  killer: PodKiller;
  /** Crash-loop back-off per pod uid/container name. */
  backoff: RestartBackoff;
  /** The last CreateContainerError per pod uid/container name, not retried before a base back-off passed. */
  createErrors: Map<string, { message: string; at: number }>;
  events: PodEvents;
}

export class SyncContext {
  readonly res: SyncResult = { waiting: new Map() };
  readonly uid: string;
  readonly log: Logger;
  /** The pod's termination grace period (seconds). */
  readonly grace: number;

  constructor(
    readonly deps: SyncerDeps,
    readonly pod: Pod,
  ) {
    this.uid = pod.metadata.uid ?? '';
    this.log = deps.log.child({
      pod: `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`,
      uid: pod.metadata.uid,
    });
    this.grace = gracePeriodOf(pod);
  }

  /** The key of one container's back-off, errors and one-off events. */
  key(container: string): string {
    return `${this.uid}/${container}`;
  }

  containerLog(spec: Container): Logger {
    const init = (this.pod.spec.initContainers ?? []).some((c) => c.name === spec.name);
    return this.log.child(init ? { container: spec.name, init: true } : { container: spec.name });
  }

  /** Sync again after ms at the latest. */
  requeue(ms: number): void {
    this.res.requeueAfterMs = Math.max(0, Math.min(this.res.requeueAfterMs ?? Number.POSITIVE_INFINITY, Math.ceil(ms)));
  }

  waiting(container: string, reason: string, message: string): void {
    this.res.waiting.set(container, { reason, message });
  }

  event(type: EventType, reason: string, message: string): void {
    this.deps.events.event(this.pod, type, reason, message);
  }

  /** The event only when `what` differs from what was last reported under key. */
  eventOnce(key: string, what: string, type: EventType, reason: string, message: string): void {
    this.deps.events.once(key, what, this.pod, type, reason, message);
  }

  /** From here on the steps run in this sandbox. */
  inSandbox(sandbox: Sandbox): SandboxSync {
    return Object.assign(this, { sandbox });
  }
}

/** A sync of a pod that has its running sandbox: containers are started in it. */
export type SandboxSync = SyncContext & { readonly sandbox: Sandbox };

/** Same container id, either side possibly shortened. */
export function sameId(a: string | undefined, b: string): boolean {
  return a !== undefined && a.length > 0 && (a.startsWith(b) || b.startsWith(a));
}
