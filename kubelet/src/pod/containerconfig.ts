/**
 * What a container gets besides its spec: the pod's volumes (set up once per sync, so content
 * updates reach running pods), and per container the resolved env, the $(VAR)-expanded
 * command/args and the mounts.
 */
import type { Container, Pod } from '@kubelab/api';
import type { EnvObjects } from '../env/objects.js';
import { resolveEnv, type EnvContext } from '../env/resolve.js';
import type { ContainerConfig } from '../runtime/runtime.js';
import type { VolumeManager, VolumeSource } from '../volumes/manager.js';

export interface ContainerConfigOptions {
  hostIP?: string;
  envObjects?: EnvObjects;
  allocatable?: { cpu: number; memory: number };
  volumes?: VolumeManager;
}

export class ContainerConfigs {
  /** The pod's volume sources as of its last sync, by pod uid. */
  private readonly podVolumes = new Map<string, Map<string, VolumeSource>>();

  constructor(private readonly o: ContainerConfigOptions) {}

  private context(podIP: string): EnvContext {
    return {
      podIP,
      hostIP: this.o.hostIP ?? '',
      allocatable: this.o.allocatable ?? { cpu: 1, memory: 0 },
      ...(this.o.envObjects ? { objects: this.o.envObjects } : {}),
    };
  }

  /** Sets up the pod's volumes; throws VolumeSetupError (FailedMount) or runtime errors. */
  async setUpVolumes(pod: Pod, podIP: string): Promise<void> {
    if (!this.o.volumes) return;
    this.podVolumes.set(pod.metadata.uid ?? '', await this.o.volumes.setUp(pod, this.context(podIP)));
  }

  /** Starts what volume set-up will wait for (the pod's ServiceAccount tokens); never throws. */
  prefetch(pod: Pod): void {
    this.o.volumes?.prefetch(pod);
  }

  /** Throws EnvConfigError/VolumeSetupError (CreateContainerConfigError) or API errors. */
  async build(pod: Pod, spec: Container, podIP: string): Promise<ContainerConfig> {
    const r = await resolveEnv(pod, spec, this.context(podIP));
    const config: ContainerConfig = { env: r.env.map(([k, v]) => `${k}=${v}`) };
    if (this.o.volumes)
      config.mounts = await this.o.volumes.mounts(
        spec,
        this.podVolumes.get(pod.metadata.uid ?? '') ?? new Map(),
        r.env,
      );
    if (r.command) config.command = r.command;
    if (r.args) config.args = r.args;
    return config;
  }

  forget(uid: string): void {
    this.podVolumes.delete(uid);
  }
}
