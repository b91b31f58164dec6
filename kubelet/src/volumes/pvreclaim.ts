/**
 * The node side of the Delete reclaim policy for the lab's provisioned volumes (what a CSI node
 * plugin does for local storage): when a PersistentVolume of this node that carries the
 * `kubelab.io/docker-volume` finalizer is being deleted, its Docker volume is removed, then the
 * finalizer, and the apiserver lets the PV go. A volume still mounted by a container (its pod is
 * still shutting down) is tried again a little later. A PV whose node no longer exists is handled
 * by any kubelet (the lab's nodes share one Docker engine). A Retain PV deleted by hand keeps its
 * Docker volume (only its finalizer goes), as upstream keeps the disk of a retained volume.
 */
import type { Logger } from 'pino';
import { DOCKER_VOLUME_FINALIZER, type KubeObject, type PersistentVolume } from '@kubelab/api';
import type { Handlers } from '@kubelab/client';
import { errMessage, isReason } from '../api.js';
import { LABELS, type ContainerRuntime } from '../runtime/runtime.js';
import { PV_LABEL } from './claims.js';

export interface VolumeSource {
  list(): PersistentVolume[];
  addHandlers(h: Handlers<PersistentVolume>): void;
  run(signal: AbortSignal): Promise<void>;
}

export interface ReclaimerOptions {
  api: {
    get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T>;
    update<T extends KubeObject>(resource: string, obj: T): Promise<T>;
  };
  volumes: VolumeSource;
  runtime: Pick<ContainerRuntime, 'removeVolumes'>;
  cluster: string;
  node: string;
  log: Logger;
  /** Pause before trying a failed removal again. */
  retryMs?: number;
}

export function wantsReclaim(pv: PersistentVolume): boolean {
  return !!pv.metadata.deletionTimestamp && (pv.metadata.finalizers ?? []).includes(DOCKER_VOLUME_FINALIZER);
}

export class DockerVolumeReclaimer {
  private readonly busy = new Set<string>();
  private signal: AbortSignal | undefined;

  constructor(private readonly o: ReclaimerOptions) {}

  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    const consider = (pv: PersistentVolume): void => {
      if (wantsReclaim(pv)) void this.reclaim(pv.metadata.name ?? '');
    };
    this.o.volumes.addHandlers({ add: consider, update: (_o, pv) => consider(pv) });
    await this.o.volumes.run(signal);
  }

  /** Whether this kubelet removes the volume: its node is this one, or no longer exists. */
  private async mine(pv: PersistentVolume): Promise<boolean> {
    const owner = pv.spec.csi?.volumeAttributes?.['node'];
    if (!owner || owner === this.o.node) return true;
    try {
      await this.o.api.get('nodes', '', owner);
      return false;
    } catch (err) {
      if (isReason(err, 'NotFound')) return true;
      throw err;
    }
  }

  /** Removes the PV's Docker volume, then its finalizer; retried until done or the PV is gone. */
  async reclaim(name: string): Promise<void> {
    if (this.busy.has(name)) return;
    this.busy.add(name);
    try {
      const pv = await this.o.api.get<PersistentVolume>('persistentvolumes', '', name);
      if (!wantsReclaim(pv) || !(await this.mine(pv))) return;
      // Retain: deleting the PV object leaves the data (as upstream); the lab's delete sweeps it with the cluster.
      const removed =
        pv.spec.persistentVolumeReclaimPolicy === 'Delete'
          ? await this.o.runtime.removeVolumes({ [LABELS.cluster]: this.o.cluster, [PV_LABEL]: name })
          : 0;
      const finalizers = (pv.metadata.finalizers ?? []).filter((f) => f !== DOCKER_VOLUME_FINALIZER);
      await this.o.api.update('persistentvolumes', { ...pv, metadata: { ...pv.metadata, finalizers } });
      this.o.log.info(
        { volume: name, dockerVolume: pv.spec.csi?.volumeHandle, removed },
        'removed the Docker volume of a deleted PersistentVolume',
      );
    } catch (err) {
      if (isReason(err, 'NotFound')) return;
      this.o.log.warn({ volume: name, err: errMessage(err) }, 'could not remove the Docker volume yet; trying again');
      this.retry(name);
    } finally {
      this.busy.delete(name);
    }
  }

  private retry(name: string): void {
    const signal = this.signal;
    if (signal?.aborted) return;
    const onAbort = (): void => clearTimeout(t);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      void this.reclaim(name);
    }, this.o.retryMs ?? 5000);
    t.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  }
}
