/**
 * persistentVolumeClaim volumes: the claim must be Bound; its PersistentVolume says where the data
 * lives. A volume of the lab's provisioner (CSI driver `kubelab.io/docker-volume`) is the Docker
 * named volume of its volumeHandle, created here on first use and labelled with the cluster and
 * the PV's name, never with a pod's uid: pods come and go, the Docker volume stays until its PV is
 * deleted (pvreclaim.ts). hostPath and local volumes are bind mounts of their path. Like the
 * ConfigMaps of env/objects.ts, claims and volumes read once are remembered, so a pod's volumes
 * are still set up while the apiserver is away. Errors are upstream's FailedMount messages.
 */
import {
  DOCKER_VOLUME_PROVISIONER,
  type KubeObject,
  type PersistentVolume,
  type PersistentVolumeClaim,
} from '@kubelab/api';
import { isReason } from '../api.js';
import { VolumeSetupError } from './content.js';

/** Label of a claim's Docker volume: the name of its PersistentVolume. */
export const PV_LABEL = 'io.kubelab.pv';

export interface ClaimObjects {
  claim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  volume(name: string): Promise<PersistentVolume | undefined>;
}

export interface ClaimApi {
  get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T>;
}

const REMEMBERED_MAX = 4096;

export class ApiClaimObjects implements ClaimObjects {
  private readonly lastKnown = new Map<string, KubeObject>();

  constructor(private readonly api: ClaimApi) {}

  private async read<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T | undefined> {
    const key = `${resource}/${namespace}/${name}`;
    try {
      const o = await this.api.get<T>(resource, namespace, name);
      this.lastKnown.delete(key);
      if (this.lastKnown.size >= REMEMBERED_MAX) this.lastKnown.delete(this.lastKnown.keys().next().value as string);
      this.lastKnown.set(key, o);
      return o;
    } catch (err) {
      if (isReason(err, 'NotFound')) {
        this.lastKnown.delete(key);
        return undefined;
      }
      const last = this.lastKnown.get(key);
      if (last) return last as T;
      throw err;
    }
  }

  claim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    return this.read('persistentvolumeclaims', namespace, name);
  }

  volume(name: string): Promise<PersistentVolume | undefined> {
    return this.read('persistentvolumes', '', name);
  }
}

export type ClaimSource =
  | { type: 'volume'; dockerVolume: string; pv: string; readOnly: boolean }
  | { type: 'bind'; path: string; readOnly: boolean };

function unmounted(volume: string, why: string): VolumeSetupError {
  return new VolumeSetupError(
    `Unable to attach or mount volumes: unmounted volumes=[${volume}], unattached volumes=[${volume}]: ${why}`,
  );
}

/** Where the claim behind a pod volume keeps its data; VolumeSetupError while it cannot be mounted. */
export async function claimSource(
  objects: ClaimObjects,
  namespace: string,
  volume: string,
  claimName: string,
  podReadOnly: boolean,
): Promise<ClaimSource> {
  const pvc = await objects.claim(namespace, claimName);
  if (!pvc)
    throw unmounted(
      volume,
      `error processing PVC ${namespace}/${claimName}: failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`,
    );
  if (pvc.metadata.deletionTimestamp)
    throw unmounted(volume, `error processing PVC ${namespace}/${claimName}: PVC is being deleted`);
  const pvName = pvc.spec.volumeName;
  if (!pvName || pvc.status?.phase !== 'Bound')
    throw unmounted(volume, `error processing PVC ${namespace}/${claimName}: PVC is not bound`);
  const pv = await objects.volume(pvName);
  if (!pv)
    throw unmounted(
      volume,
      `error processing PVC ${namespace}/${claimName}: failed to fetch PV ${pvName} from API server: persistentvolumes "${pvName}" not found`,
    );
  if (pv.spec.claimRef?.uid && pv.spec.claimRef.uid !== pvc.metadata.uid)
    throw unmounted(volume, `error processing PVC ${namespace}/${claimName}: PV ${pvName} is bound to another claim`);
  const readOnly = podReadOnly || pv.spec.csi?.readOnly === true;
  const csi = pv.spec.csi;
  if (csi?.driver === DOCKER_VOLUME_PROVISIONER)
    return { type: 'volume', dockerVolume: csi.volumeHandle, pv: pvName, readOnly };
  const path = pv.spec.hostPath?.path ?? pv.spec.local?.path;
  if (path) return { type: 'bind', path, readOnly };
  const kind =
    Object.keys(pv.spec).find(
      (k) =>
        ![
          'capacity',
          'accessModes',
          'claimRef',
          'persistentVolumeReclaimPolicy',
          'storageClassName',
          'mountOptions',
          'volumeMode',
          'nodeAffinity',
        ].includes(k),
    ) ?? 'unknown';
  throw unmounted(
    volume,
    `kubelab cannot mount PersistentVolume ${pvName}: its ${kind} source is not supported (use hostPath, local, or the StorageClass "standard")`,
  );
}
