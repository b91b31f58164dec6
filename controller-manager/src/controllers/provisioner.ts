/**
 * The lab's dynamic provisioner (the role Rancher's local-path-provisioner plays in kind and k3s),
 * named `kubelab.io/docker-volume`: for a claim the PV controller hands it (the
 * `volume.kubernetes.io/storage-provisioner` annotation) it creates a PersistentVolume backed by a
 * Docker named volume on one node: the node the scheduler picked (`volume.kubernetes.io/
 * selected-node`, WaitForFirstConsumer) or, for Immediate classes, a Ready node. The volume is
 * pre-bound to the claim, pinned to its node by node affinity, and carries the claim's access
 * modes and size; the size is recorded, not enforced (Docker volumes have no quota), and the PV
 * says so. The node's kubelet creates the Docker volume (labelled with the cluster) when a pod
 * first mounts it. When a Delete volume is Released, this deletes the PV; the kubelet removes the
 * Docker volume and then the PV's finalizer. At start it makes the default StorageClass `standard`
 * if it is missing.
 */
import type { Logger } from 'pino';
import {
  CAPACITY_NOTE,
  CAPACITY_NOTE_ANNOTATION,
  claimClass,
  DOCKER_VOLUME_FINALIZER,
  DOCKER_VOLUME_PROVISIONER,
  STORAGE,
  type Clock,
  type KubeObject,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { errorMessage, isAlreadyExists, isNotFound } from '../util/objects.js';
import { OnceEvents } from '../util/onceevents.js';

export const DEFAULT_CLASS_NAME = 'standard';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';
const ENSURE_CLASS = 'class:ensure';

export interface ProvisionerDeps {
  api: ApiLike;
  claims: Cache<PersistentVolumeClaim>;
  volumes: Cache<PersistentVolume>;
  classes: Cache<StorageClass>;
  nodes: Cache<Node>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  /** The cluster id: Docker volume names start with it. */
  cluster: string;
}

/** The lab's default class, as kind ships `standard` (local-path) marked default. */
export function defaultStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: DEFAULT_CLASS_NAME, annotations: { [STORAGE.isDefaultClass]: 'true' } },
    provisioner: DOCKER_VOLUME_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

export function volumeNameFor(pvc: PersistentVolumeClaim): string {
  return `pvc-${pvc.metadata.uid ?? ''}`;
}

const isReady = (n: Node): boolean =>
  (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') && !n.spec?.unschedulable;

/** The PersistentVolume for a claim on a node: pre-bound, pinned, and honest about its size. */
export function volumeFor(pvc: PersistentVolumeClaim, sc: StorageClass, node: Node, cluster: string): PersistentVolume {
  const name = volumeNameFor(pvc);
  const dockerVolume = `${cluster}-${name}`;
  const hostname = node.metadata.labels?.[HOSTNAME_LABEL] ?? node.metadata.name ?? '';
  const pv: PersistentVolume = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      annotations: { [STORAGE.provisionedBy]: DOCKER_VOLUME_PROVISIONER, [CAPACITY_NOTE_ANNOTATION]: CAPACITY_NOTE },
      finalizers: [DOCKER_VOLUME_FINALIZER],
    },
    spec: {
      capacity: { storage: pvc.spec.resources?.requests?.['storage'] ?? '0' },
      accessModes: [...(pvc.spec.accessModes ?? [])],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name ?? '',
      volumeMode: pvc.spec.volumeMode ?? 'Filesystem',
      claimRef: {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: pvc.metadata.namespace ?? '',
        name: pvc.metadata.name ?? '',
        uid: pvc.metadata.uid ?? '',
        resourceVersion: pvc.metadata.resourceVersion ?? '',
      },
      csi: {
        driver: DOCKER_VOLUME_PROVISIONER,
        volumeHandle: dockerVolume,
        volumeAttributes: { dockerVolume, node: node.metadata.name ?? '', capacity: 'not enforced' },
      },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [hostname] }] }],
        },
      },
    },
  };
  if (sc.mountOptions?.length) pv.spec.mountOptions = [...sc.mountOptions];
  return pv;
}

export class DockerVolumeProvisioner implements Controller {
  readonly name = 'docker-volume-provisioner';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  private readonly once: OnceEvents;

  constructor(private readonly d: ProvisionerDeps) {
    this.queue = d.queue;
    this.caches = [d.claims, d.volumes, d.classes, d.nodes];
    this.once = new OnceEvents(d.recorder);
    const claim = (c: PersistentVolumeClaim): void => this.queue.add(`claim:${objectKey(c)}`);
    d.claims.addHandlers({ add: claim, update: (_o, c) => claim(c), delete: (c) => this.once.forget(c) });
    const volume = (v: PersistentVolume): void => this.queue.add(`volume:${v.metadata.name ?? ''}`);
    d.volumes.addHandlers({ add: volume, update: (_o, v) => volume(v) });
  }

  onSynced(): void {
    this.queue.add(ENSURE_CLASS);
  }

  async reconcile(key: string): Promise<void> {
    if (key === ENSURE_CLASS) return this.ensureDefaultClass();
    if (key.startsWith('claim:')) {
      const pvc = this.d.claims.get(key.slice('claim:'.length));
      if (pvc) await this.syncClaim(pvc);
      return;
    }
    const pv = this.d.volumes.get(key.slice('volume:'.length));
    if (pv) await this.syncVolume(pv);
  }

  private async ensureDefaultClass(): Promise<void> {
    if (this.d.classes.get(DEFAULT_CLASS_NAME)) return;
    try {
      await this.d.api.create('storageclasses', defaultStorageClass());
      this.d.log.info({ storageClass: DEFAULT_CLASS_NAME }, 'created the default StorageClass');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  private wanted(pvc: PersistentVolumeClaim): StorageClass | undefined {
    if (pvc.metadata.deletionTimestamp || pvc.spec.volumeName) return undefined;
    const a = pvc.metadata.annotations ?? {};
    if ((a[STORAGE.storageProvisioner] ?? a[STORAGE.betaStorageProvisioner]) !== DOCKER_VOLUME_PROVISIONER)
      return undefined;
    const sc = this.d.classes.get(claimClass(pvc));
    return sc?.provisioner === DOCKER_VOLUME_PROVISIONER ? sc : undefined;
  }

  private targetNode(pvc: PersistentVolumeClaim, sc: StorageClass): Node | string {
    const selected = pvc.metadata.annotations?.[STORAGE.selectedNode];
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' || selected) {
      if (!selected) return 'waiting for a node to be selected';
      return this.d.nodes.get(selected) ?? `failed to get target node: node "${selected}" not found`;
    }
    const ready = this.d.nodes
      .list()
      .filter(isReady)
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    if (ready.length === 0) return 'no Ready node to provision the volume on';
    const uid = pvc.metadata.uid ?? '';
    let h = 0;
    for (const ch of uid) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return ready[h % ready.length]!;
  }

  private async syncClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const sc = this.wanted(pvc);
    if (!sc) return;
    const name = volumeNameFor(pvc);
    if (this.d.volumes.get(name)) return; // provisioned; the PV controller completes the binding
    const node = this.targetNode(pvc, sc);
    if (typeof node === 'string') {
      if (!node.startsWith('waiting')) this.once.event(pvc, 'Warning', 'ProvisioningFailed', node);
      return;
    }
    const claimKey = objectKey(pvc);
    this.once.event(
      pvc,
      'Normal',
      'Provisioning',
      `External provisioner is provisioning volume for claim "${claimKey}"`,
    );
    const pv = volumeFor(pvc, sc, node, this.d.cluster);
    try {
      await this.d.api.create('persistentvolumes', pv);
    } catch (err) {
      if (isAlreadyExists(err)) return;
      this.once.event(
        pvc,
        'Warning',
        'ProvisioningFailed',
        `failed to provision volume with StorageClass "${sc.metadata.name}": ${errorMessage(err)}`,
      );
      throw err;
    }
    const size = pv.spec.capacity?.['storage'] ?? '';
    this.d.recorder.event(
      pvc,
      'Normal',
      'ProvisioningSucceeded',
      `Successfully provisioned volume ${name}: Docker volume ${pv.spec.csi?.volumeHandle} on node ${node.metadata.name}; its size (${size}) is recorded, not enforced`,
    );
    this.d.log.info({ claim: claimKey, volume: name, node: node.metadata.name }, 'provisioned');
  }

  private async syncVolume(pv: PersistentVolume): Promise<void> {
    if (pv.metadata.annotations?.[STORAGE.provisionedBy] !== DOCKER_VOLUME_PROVISIONER) return;
    if (
      pv.metadata.deletionTimestamp ||
      pv.status?.phase !== 'Released' ||
      pv.spec.persistentVolumeReclaimPolicy !== 'Delete'
    )
      return;
    try {
      await this.d.api.delete('persistentvolumes', '', pv.metadata.name ?? '');
      this.d.log.info({ volume: pv.metadata.name }, 'deleting released volume');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
