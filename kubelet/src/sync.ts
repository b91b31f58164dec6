/**
 * syncPod: make the runtime match one pod, level-triggered and idempotent. It reads what exists
 * (by labels), and only then acts: sandbox first, then each app container (start, keep, restart
 * with back-off, replace). It never duplicates: a container is identified by pod uid + name +
 * restart count, and a new one is only made when the newest existing one is finished.
 */
import type { Logger } from 'pino';
import type { Clock, Container, Pod } from '@kubelab/api';
import type { EventRecorder } from '@kubelab/client/events';
import { errMessage } from './api.js';
import { RestartBackoff, goDuration } from './backoff.js';
import type { EnvObjects } from './env/objects.js';
import { ContainerConfigs } from './containerconfig.js';
import { hookOf, type HookRunner } from './hooks.js';
import { PodKiller } from './kill.js';
import { VolumeSetupError, type VolumeManager } from './volumes/manager.js';
import { ImagePullError, type ImageManager } from './images.js';
import type { ProbeVerdicts } from './probes/manager.js';
import { probeOf } from './probes/types.js';
import { containerHash, gracePeriodOf, pullPolicyOf } from './podspec.js';
import { syncInitContainers, type InitSyncHost } from './initsync.js';
import { LABELS, SANDBOX_NAME, newestFirst, type ContainerConfig, type ContainerRuntime, type RuntimeContainer, type Sandbox } from './runtime/runtime.js';
import { instancesOf, isTerminalPhase, podFinished, shouldRestart, type Waiting } from './status.js';

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


export interface SyncResult {
  /** Why containers are waiting (CrashLoopBackOff, ErrImagePull, ...), for the status. */
  waiting: Map<string, Waiting>;
  /** Sync this pod again after this many ms (a back-off ends). */
  requeueAfterMs?: number;
}

/** A container that ran this long before exiting starts its back-off afresh. */
export const BACKOFF_RESET_RUN_MS = 10 * 60_000;

function requeue(res: SyncResult, ms: number): void {
  res.requeueAfterMs = Math.max(0, Math.min(res.requeueAfterMs ?? Number.POSITIVE_INFINITY, Math.ceil(ms)));
}

function sameId(a: string | undefined, b: string): boolean {
  return a !== undefined && a.length > 0 && (a.startsWith(b) || b.startsWith(a));
}

function podRef(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

export class PodSyncer {
  readonly backoff: RestartBackoff;
  private readonly createErrors = new Map<string, { message: string; at: number }>();
  private readonly configs: ContainerConfigs;
  /** What the last one-off event per pod/container was about, so a state is reported once. */
  private readonly reported = new Map<string, string>();

  private readonly killer: PodKiller;

  constructor(private readonly o: SyncerOptions) {
    this.backoff = new RestartBackoff(o.clock, o.crashLoop.baseMs, o.crashLoop.maxMs);
    this.configs = new ContainerConfigs(o);
    this.killer = new PodKiller({ ...o, event: (pod, type, reason, message) => this.event(pod, type, reason, message) });
  }

  private get runtime(): ContainerRuntime {
    return this.o.runtime;
  }

  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.o.recorder?.event(pod, type, reason, message);
  }

  /** Records the event only when `what` differs from what was last reported under key. */
  private eventOnce(key: string, what: string, pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.reported.get(key) === what) return;
    this.reported.set(key, what);
    this.event(pod, type, reason, message);
  }

  async syncPod(pod: Pod, containers: RuntimeContainer[]): Promise<SyncResult> {
    const res: SyncResult = { waiting: new Map() };
    const log = this.o.log.child({ pod: podRef(pod), uid: pod.metadata.uid });
    const grace = gracePeriodOf(pod);
    const specNames = new Set([...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c) => c.name));
    for (const c of containers) {
      if (c.containerName !== SANDBOX_NAME && !specNames.has(c.containerName)) {
        log.info({ container: c.containerName, id: c.id.slice(0, 12) }, 'removing a container the pod spec does not have');
        await this.destroy(c, grace);
      }
    }
    const own = containers.filter((c) => c.containerName === SANDBOX_NAME || specNames.has(c.containerName));

    if (isTerminalPhase(pod.status?.phase) || podFinished(pod, own)) {
      await this.teardownFinished(pod, own, log);
      return res;
    }
    const sandbox = await this.ensureSandbox(pod, own, res, log);
    if (!sandbox) return res;
    const uid = pod.metadata.uid ?? '';
    try {
      await this.configs.setUpVolumes(pod, sandbox.ip);
      this.reported.delete(`${uid}/#volumes`);
    } catch (err) {
      if (!(err instanceof VolumeSetupError)) throw err;
      log.warn({ err: err.message }, 'FailedMount');
      this.eventOnce(`${uid}/#volumes`, err.message, pod, 'Warning', 'FailedMount', err.message);
      requeue(res, this.o.crashLoop.baseMs);
      return res;
    }
    const initHost: InitSyncHost = {
      runtime: this.runtime,
      ...(this.o.probes ? { probes: this.o.probes } : {}),
      syncContainer: (p, spec, sb, instances, r, l, policy) => this.syncContainer(p, spec, sb, instances, r, l, policy),
      startNew: (p, spec, sb, rc, older, r, l) => this.startNew(p, spec, sb, rc, older, r, l),
    };
    if (!(await syncInitContainers(initHost, pod, sandbox, own, res, log))) return res;
    for (const spec of pod.spec.containers) {
      await this.syncContainer(pod, spec, sandbox, instancesOf(own, spec.name), res, log);
    }
    return res;
  }

  /** All app containers are done for good: stop anything still running and drop the sandbox. */
  private async teardownFinished(pod: Pod, containers: RuntimeContainer[], log: Logger): Promise<void> {
    for (const c of containers) {
      if (c.containerName === SANDBOX_NAME) {
        log.info({ id: c.id.slice(0, 12) }, 'pod finished; removing its sandbox');
        await this.runtime.remove(c.id);
      } else if (c.state === 'running') {
        await this.runtime.stop(c.id, gracePeriodOf(pod));
      }
    }
  }

  /** Returns the running sandbox, creating one when there is none; undefined = not now. */
  private async ensureSandbox(pod: Pod, containers: RuntimeContainer[], res: SyncResult, log: Logger): Promise<Sandbox | undefined> {
    const pauses = instancesOf(containers, SANDBOX_NAME);
    const alive = pauses.find((p) => p.state === 'running' && p.networks[this.o.network]);
    for (const p of pauses) {
      if (p === alive) continue;
      log.info({ id: p.id.slice(0, 12), state: p.state }, alive ? 'removing a superfluous sandbox' : 'removing a dead sandbox');
      await this.runtime.remove(p.id);
    }
    if (alive) return { id: alive.id, ip: alive.networks[this.o.network]! };

    const apps = containers.filter((c) => c.containerName !== SANDBOX_NAME);
    const running = apps.filter((c) => c.state === 'running');
    // Upstream: a pod that must not restart does not get a new sandbox once its containers ran.
    if (pod.spec.restartPolicy === 'Never' && apps.length > 0) {
      log.info('sandbox is gone and restartPolicy is Never; stopping the containers');
      await Promise.all(running.map((c) => this.runtime.stop(c.id, gracePeriodOf(pod))));
      return undefined;
    }
    const attempt = pauses.length > 0 ? Math.max(...pauses.map((p) => p.restartCount)) + 1 : 0;
    if (pauses.length > 0 || apps.length > 0) {
      log.info('pod sandbox changed, it will be killed and re-created');
      this.eventOnce(`${pod.metadata.uid ?? ''}/${SANDBOX_NAME}#changed`, `changed:${attempt}`, pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    }
    await Promise.all(running.map((c) => this.runtime.stop(c.id, gracePeriodOf(pod))));
    try {
      await this.o.images.ensure(pod.metadata.uid ?? '', this.o.pauseImage, 'IfNotPresent');
      const sb = await this.runtime.createPause(pod, attempt);
      log.info({ id: sb.id.slice(0, 12), ip: sb.ip, attempt }, 'sandbox started');
      return sb;
    } catch (err) {
      log.warn({ err: errMessage(err), image: this.o.pauseImage }, 'FailedCreatePodSandBox');
      this.eventOnce(`${pod.metadata.uid ?? ''}/${SANDBOX_NAME}#failed`, `sandbox:${errMessage(err)}`, pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errMessage(err)}`);
      requeue(res, err instanceof ImagePullError && err.retryInMs !== undefined ? err.retryInMs : this.o.crashLoop.baseMs);
      return undefined;
    }
  }

  private async syncContainer(pod: Pod, spec: Container, sandbox: Sandbox, instances: RuntimeContainer[], res: SyncResult, log: Logger, restartPolicy: string | undefined = pod.spec.restartPolicy): Promise<void> {
    const grace = gracePeriodOf(pod);
    const clog = log.child({ container: spec.name });
    // Never two running copies: keep the newest.
    const running = instances.filter((c) => c.state === 'running');
    for (const dup of running.slice(1)) {
      clog.warn({ id: dup.id.slice(0, 12) }, 'removing a duplicate running container');
      await this.destroy(dup, grace);
    }
    let live = instances.filter((c) => !running.slice(1).includes(c));
    let cur = live[0];

    if (cur && cur.state === 'created') {
      if (sameId(cur.sandboxId, sandbox.id)) {
        try {
          await this.runtime.start(cur.id);
        } catch (err) {
          clog.warn({ err: errMessage(err) }, 'start failed');
          requeue(res, 0);
        }
        return;
      }
      await this.runtime.remove(cur.id);
      live = live.slice(1);
      cur = live[0];
    }
    if (!cur) {
      // Removed behind our back (docker rm): the restart count goes on from the reported one.
      const reported = pod.status?.containerStatuses?.find((s) => s.name === spec.name);
      const rc = reported?.containerID ? reported.restartCount + 1 : 0;
      return this.startNew(pod, spec, sandbox, rc, [], res, clog);
    }

    if (cur.state === 'running') {
      let why: string | undefined;
      if (!sameId(cur.sandboxId, sandbox.id)) why = 'container is in an old sandbox';
      else if (cur.hash && cur.hash !== containerHash(spec)) why = 'container spec changed';
      if (why) {
        clog.info({ id: cur.id.slice(0, 12) }, `${why}; it will be replaced`);
        if (why === 'container spec changed') this.event(pod, 'Normal', 'Killing', `Container ${spec.name} definition changed, will be restarted`);
        await this.killContainer(pod, spec, cur, grace, sandbox.ip);
        return this.startNew(pod, spec, sandbox, cur.restartCount + 1, live, res, clog);
      }
      const bad = this.o.probes?.unhealthy(pod.metadata.uid ?? '', spec.name, cur.id);
      if (!bad) {
        await this.prune(live.slice(1));
        return;
      }
      const restart = restartPolicy !== 'Never';
      clog.info({ id: cur.id.slice(0, 12), probe: bad }, `container failed its ${bad} probe; killing it`);
      this.event(pod, 'Normal', 'Killing', `Container ${spec.name} failed ${bad} probe${restart ? ', will be restarted' : ''}`);
      const probeGrace = probeOf(spec, bad)?.terminationGracePeriodSeconds;
      await this.killContainer(pod, spec, cur, typeof probeGrace === 'number' && probeGrace >= 0 ? probeGrace : grace, sandbox.ip);
      const stopped = await this.runtime.inspect(cur.id);
      if (!stopped || stopped.state !== 'exited') {
        requeue(res, 0);
        return;
      }
      cur = stopped;
    }
    if (cur.state !== 'exited') return; // unknown: look again next sync

    if (!shouldRestart(restartPolicy, cur.exitCode ?? 0)) {
      await this.prune(live.slice(1));
      return;
    }
    const key = `${pod.metadata.uid ?? ''}/${spec.name}`;
    const finished = Date.parse(cur.finishedAt ?? cur.createdAt);
    const started = cur.startedAt ? Date.parse(cur.startedAt) : Number.NaN;
    if (finished - started >= BACKOFF_RESET_RUN_MS) this.backoff.reset(key);
    const wait = this.backoff.remaining(key, finished);
    if (wait > 0) {
      this.eventOnce(key, `crash:${cur.id}`, pod, 'Warning', 'BackOff', `Back-off restarting failed container ${spec.name} in pod ${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`);
      res.waiting.set(spec.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${goDuration(this.backoff.delay(key))} restarting failed container=${spec.name} pod=${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`,
      });
      requeue(res, wait);
      return;
    }
    this.backoff.next(key, finished);
    clog.info({ exitCode: cur.exitCode, restartCount: cur.restartCount + 1 }, 'restarting container');
    await this.startNew(pod, spec, sandbox, cur.restartCount + 1, live, res, clog);
  }

  /** Pull, create and start instance `restartCount`; then drop older instances but the newest one. */
  private async startNew(pod: Pod, spec: Container, sandbox: Sandbox, restartCount: number, older: RuntimeContainer[], res: SyncResult, log: Logger): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    const key = `${uid}/${spec.name}`;
    const now = this.o.clock.now();
    const ce = this.createErrors.get(key);
    if (ce && now - ce.at < this.o.crashLoop.baseMs) {
      res.waiting.set(spec.name, { reason: 'CreateContainerError', message: ce.message });
      requeue(res, this.o.crashLoop.baseMs - (now - ce.at));
      return;
    }
    try {
      const img = await this.o.images.ensure(uid, spec.image, pullPolicyOf(spec));
      const msg = img.pulled ? `Successfully pulled image "${spec.image}"` : `Container image "${spec.image}" already present on machine`;
      this.event(pod, 'Normal', 'Pulled', msg);
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      res.waiting.set(spec.name, { reason: err.reason, message: err.message });
      if (err.retryInMs !== undefined) requeue(res, err.retryInMs);
      if (err.reason === 'ImagePullBackOff') this.eventOnce(key, 'ImagePullBackOff', pod, 'Normal', 'BackOff', `Back-off pulling image "${spec.image}"`);
      else if (err.reason === 'ErrImageNeverPull') this.eventOnce(key, `${err.reason}@${now}`, pod, 'Warning', 'ErrImageNeverPull', err.message);
      else this.eventOnce(key, `${err.reason}@${now}`, pod, 'Warning', 'Failed', err.reason === 'ErrImagePull' ? `Failed to pull image "${spec.image}": ${err.message}` : err.message);
      return;
    }
    let config: ContainerConfig;
    try {
      config = await this.configs.build(pod, spec, sandbox.ip);
    } catch (err) {
      // A missing ConfigMap/Secret (or the apiserver being away): try again after a while.
      const message = errMessage(err);
      log.warn({ err: message }, 'CreateContainerConfigError');
      this.eventOnce(`${key}#config`, message, pod, 'Warning', 'Failed', `Error: ${message}`);
      res.waiting.set(spec.name, { reason: 'CreateContainerConfigError', message });
      requeue(res, this.o.crashLoop.baseMs);
      return;
    }
    this.reported.delete(`${key}#config`);
    let id: string;
    try {
      id = await this.runtime.createContainer(pod, spec, sandbox.id, restartCount, config);
    } catch (err) {
      const message = errMessage(err);
      log.warn({ err: message }, 'CreateContainerError');
      this.createErrors.set(key, { message, at: now });
      this.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      res.waiting.set(spec.name, { reason: 'CreateContainerError', message });
      requeue(res, this.o.crashLoop.baseMs);
      return;
    }
    this.createErrors.delete(key);
    this.event(pod, 'Normal', 'Created', `Created container: ${spec.name}`);
    try {
      await this.runtime.start(id);
      log.info({ id: id.slice(0, 12), restartCount }, 'container started');
      this.event(pod, 'Normal', 'Started', `Started container ${spec.name}`);
      if (this.o.hooks && hookOf(spec, 'postStart')) {
        const failure = await this.o.hooks.run('postStart', pod, spec, id, sandbox.ip, this.o.hooks.postStartTimeoutMs());
        if (failure !== undefined) {
          // Upstream: the container is killed and then handled like any exited container.
          this.event(pod, 'Normal', 'Killing', 'FailedPostStartHook');
          await this.runtime.stop(id, gracePeriodOf(pod));
          res.waiting.set(spec.name, { reason: 'PostStartHookError', message: failure });
          requeue(res, 0);
        }
      }
    } catch (err) {
      // The container stays, exited with the error: the next sync restarts it with back-off.
      log.warn({ err: errMessage(err) }, 'container failed to start');
      this.event(pod, 'Warning', 'Failed', `Error: ${errMessage(err)}`);
      requeue(res, 0);
    }
    await this.prune(older);
  }

  /** Keeps the first (newest) of `older` (for `logs --previous`), removes the rest. */
  private async prune(older: RuntimeContainer[]): Promise<void> {
    for (const c of older.slice(1)) await this.runtime.remove(c.id);
  }

  private async destroy(c: RuntimeContainer, graceSeconds: number): Promise<void> {
    if (c.state === 'running') await this.runtime.stop(c.id, graceSeconds);
    await this.runtime.remove(c.id);
  }

  /** Stops one running container: preStop, then the stop signal with the rest of the grace period. */
  killContainer(pod: Pod | undefined, spec: Container | undefined, c: RuntimeContainer, graceSeconds: number, podIP: string): Promise<void> {
    return this.killer.killContainer(pod, spec, c, graceSeconds, podIP);
  }

  /** Stops app containers gracefully (in parallel, preStop hooks first), then removes everything of the pod and its volumes. */
  killPod(containers: RuntimeContainer[], graceSeconds: number, pod?: Pod): Promise<void> {
    return this.killer.killPod(containers, graceSeconds, pod);
  }

  /** Drops all per-pod memory (back-offs, errors). */
  forget(uid: string): void {
    this.configs.forget(uid);
    this.backoff.forgetPrefix(`${uid}/`);
    for (const k of [...this.createErrors.keys()]) if (k.startsWith(`${uid}/`)) this.createErrors.delete(k);
    for (const k of [...this.reported.keys()]) if (k.startsWith(`${uid}/`)) this.reported.delete(k);
    this.o.images.forgetPod(uid);
  }
}
