/**
 * syncPod: make the runtime match one pod, level-triggered and idempotent. It reads what exists
 * (by labels), and only then acts, one step after the other, each in a file named for it:
 * containers the spec does not have go (teardown.ts), then the sandbox (sandbox.ts), the pod's
 * volumes, the init containers (initcontainers.ts) and each app container (containers.ts: keep,
 * replace, restart with back-off in crashloop.ts, start in start.ts with image errors from
 * imageerrors.ts). It never duplicates: a container is identified by pod uid + name + restart
 * count, and a new one is only made when the newest existing one is finished. The steps share one
 * SyncContext per sync (context.ts).
 */
import type { Container, Pod } from '@kubelab/api';
import { RestartBackoff } from '../backoff.js';
import type { RuntimeContainer } from '../runtime/runtime.js';
import { instancesOf, isTerminalPhase, podFinished } from '../status.js';
import { VolumeSetupError } from '../volumes/manager.js';
import { ContainerConfigs } from './containerconfig.js';
import { syncContainer } from './containers.js';
import { SyncContext, type SandboxSync, type SyncerDeps, type SyncerOptions, type SyncResult } from './context.js';
import { PodEvents } from './events.js';
import { syncInitContainers } from './initcontainers.js';
import { PodKiller } from './kill.js';
import { ensureSandbox } from './sandbox.js';
import { removeUnknown, teardownFinished } from './teardown.js';

export type { SyncerOptions, SyncResult } from './context.js';
export { BACKOFF_RESET_RUN_MS } from './crashloop.js';

export class PodSyncer {
  /** Crash-loop back-off per pod uid/container name. */
  readonly backoff: RestartBackoff;
  private readonly deps: SyncerDeps;

  constructor(o: SyncerOptions) {
    this.backoff = new RestartBackoff(o.clock, o.crashLoop.baseMs, o.crashLoop.maxMs);
    const events = new PodEvents(o.recorder);
    this.deps = {
      runtime: o.runtime,
      images: o.images,
      clock: o.clock,
      log: o.log,
      network: o.network,
      pauseImage: o.pauseImage,
      crashLoop: o.crashLoop,
      ...(o.probes ? { probes: o.probes } : {}),
      ...(o.hooks ? { hooks: o.hooks } : {}),
      configs: new ContainerConfigs(o),
      killer: new PodKiller({ ...o, event: (pod, type, reason, message) => events.event(pod, type, reason, message) }),
      backoff: this.backoff,
      createErrors: new Map(),
      events,
    };
  }

  async syncPod(pod: Pod, containers: RuntimeContainer[]): Promise<SyncResult> {
    const ctx = new SyncContext(this.deps, pod);
    const own = await removeUnknown(ctx, containers);
    if (isTerminalPhase(pod.status?.phase) || podFinished(pod, own)) {
      await teardownFinished(ctx, own);
      return ctx.res;
    }
    // The pod's tokens are asked for while the sandbox starts (setUpVolumes then finds them).
    this.deps.configs.prefetch(pod);
    const sandbox = await ensureSandbox(ctx, own);
    if (!sandbox) return ctx.res;
    const sync = ctx.inSandbox(sandbox);
    if (!(await setUpVolumes(sync))) return ctx.res;
    if (!(await syncInitContainers(sync, own))) return ctx.res;
    for (const spec of pod.spec.containers) await syncContainer(sync, spec, instancesOf(own, spec.name));
    return ctx.res;
  }

  /** Stops one running container: preStop, then the stop signal with the rest of the grace period. */
  killContainer(
    pod: Pod | undefined,
    spec: Container | undefined,
    c: RuntimeContainer,
    graceSeconds: number,
    podIP: string,
  ): Promise<void> {
    return this.deps.killer.killContainer(pod, spec, c, graceSeconds, podIP);
  }

  /** Stops app containers gracefully (in parallel, preStop hooks first), then removes everything of the pod and its volumes. */
  killPod(containers: RuntimeContainer[], graceSeconds: number, pod?: Pod): Promise<void> {
    return this.deps.killer.killPod(containers, graceSeconds, pod);
  }

  /** Drops all per-pod memory (back-offs, errors, reported events, volume sources, image pulls). */
  forget(uid: string): void {
    this.deps.configs.forget(uid);
    this.backoff.forgetPrefix(`${uid}/`);
    for (const k of [...this.deps.createErrors.keys()]) if (k.startsWith(`${uid}/`)) this.deps.createErrors.delete(k);
    this.deps.events.forget(uid);
    this.deps.images.forgetPod(uid);
  }
}

/** The pod's volumes, set up on every sync so that content updates reach running pods; false on FailedMount. */
async function setUpVolumes(ctx: SandboxSync): Promise<boolean> {
  try {
    await ctx.deps.configs.setUpVolumes(ctx.pod, ctx.sandbox.ip);
    ctx.deps.events.clear(ctx.key('#volumes'));
    return true;
  } catch (err) {
    if (!(err instanceof VolumeSetupError)) throw err;
    ctx.log.warn({ err: err.message }, 'FailedMount');
    ctx.eventOnce(ctx.key('#volumes'), err.message, 'Warning', 'FailedMount', err.message);
    ctx.requeue(ctx.deps.crashLoop.baseMs);
    return false;
  }
}
