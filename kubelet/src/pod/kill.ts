/**
 * Stopping containers the Kubernetes way: the preStop hook first (bounded by the grace period),
 * then the stop signal (SIGTERM or the image's StopSignal) with what is left of the grace period
 * (at least 2 s after a hook), then SIGKILL (Docker's stop does the last two). A pod is killed
 * regular containers first (in parallel), then sidecars, then its sandbox and its volumes.
 */
import type { Logger } from 'pino';
import type { Clock, Container, Pod } from '@kubelab/api';
import { errMessage } from '../api.js';
import { hookOf, type HookRunner } from '../hooks.js';
import { SANDBOX_NAME, type ContainerRuntime, type RuntimeContainer } from '../runtime/runtime.js';
import type { VolumeManager } from '../volumes/manager.js';

/** Upstream's floor of the grace period left for the stop after a preStop hook. */
export const MIN_GRACE_AFTER_HOOK_SECONDS = 2;

export interface PodKillerOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  log: Logger;
  network: string;
  hooks?: HookRunner;
  volumes?: VolumeManager;
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export class PodKiller {
  constructor(private readonly o: PodKillerOptions) {}

  async killContainer(
    pod: Pod | undefined,
    spec: Container | undefined,
    c: RuntimeContainer,
    graceSeconds: number,
    podIP: string,
  ): Promise<void> {
    if (c.state !== 'running') return;
    let grace = graceSeconds;
    if (pod && spec && this.o.hooks && hookOf(spec, 'preStop')) {
      const t0 = this.o.clock.now();
      await this.o.hooks.run('preStop', pod, spec, c.id, podIP, Math.max(0, graceSeconds) * 1000);
      const spent = Math.ceil((this.o.clock.now() - t0) / 1000);
      grace = Math.max(MIN_GRACE_AFTER_HOOK_SECONDS, graceSeconds - spent);
    }
    await this.o.runtime.stop(c.id, grace);
  }

  async killPod(containers: RuntimeContainer[], graceSeconds: number, pod?: Pod): Promise<void> {
    const apps = containers.filter((c) => c.containerName !== SANDBOX_NAME && c.state === 'running');
    if (pod) for (const c of apps) this.o.event(pod, 'Normal', 'Killing', `Stopping container ${c.containerName}`);
    const specs = pod ? [...pod.spec.containers, ...(pod.spec.initContainers ?? [])] : [];
    const podIP =
      containers.find((c) => c.containerName === SANDBOX_NAME && c.state === 'running')?.networks[this.o.network] ?? '';
    // Regular containers first, then sidecars (init containers), like upstream's termination order.
    const regular = new Set(pod?.spec.containers.map((c) => c.name) ?? []);
    const t0 = this.o.clock.now();
    for (const group of [
      apps.filter((c) => regular.has(c.containerName)),
      apps.filter((c) => !regular.has(c.containerName)),
    ]) {
      if (group.length === 0) continue;
      const left = Math.max(0, graceSeconds - Math.floor((this.o.clock.now() - t0) / 1000));
      const stops = await Promise.allSettled(
        group.map((c) =>
          this.killContainer(
            pod,
            specs.find((s) => s.name === c.containerName),
            c,
            left,
            podIP,
          ),
        ),
      );
      for (const s of stops)
        if (s.status === 'rejected')
          this.o.log.warn({ err: errMessage(s.reason) }, 'graceful stop failed; removing by force');
    }
    // Apps before the sandbox whose namespaces they share.
    const order = [...containers].sort(
      (a, b) => Number(a.containerName === SANDBOX_NAME) - Number(b.containerName === SANDBOX_NAME),
    );
    for (const c of order) await this.o.runtime.remove(c.id);
    const uid = pod?.metadata.uid ?? containers[0]?.podUid;
    if (uid && this.o.volumes) await this.o.volumes.tearDown(uid);
  }
}
