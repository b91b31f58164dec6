/**
 * The PersistentVolume controller (upstream's persistentvolume-binder): binds each Pending claim
 * to a matching volume (pvmatch in @kubelab/api), asks a claim's class's provisioner for a new
 * volume when none matches (the `volume.kubernetes.io/storage-provisioner` annotation), leaves a
 * WaitForFirstConsumer claim to the scheduler until a pod using it is placed, keeps the phases of
 * both sides true (Pending/Available/Bound/Released/Failed, Lost), and reclaims a volume whose
 * claim is gone: Retain keeps it Released, Delete of a provisioned volume is the provisioner's
 * job, Delete or Recycle of a static volume fails with a clear message. Keys: `claim:ns/name`,
 * `volume:name`.
 */
import type { Logger } from 'pino';
import {
  claimClass,
  findMatchingVolume,
  isPreBoundTo,
  mismatch,
  STORAGE,
  type Clock,
  type KubeObject,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { VolumeWrites } from './pvwrites.js';
import { OnceEvents } from '../util/onceevents.js';

export interface PersistentVolumeBinderDeps {
  api: ApiLike;
  volumes: Cache<PersistentVolume>;
  claims: Cache<PersistentVolumeClaim>;
  classes: Cache<StorageClass>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

const CLAIM = 'claim:';
const VOLUME = 'volume:';

export class PersistentVolumeBinder implements Controller {
  readonly name = 'persistentvolume-binder-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  private readonly w: VolumeWrites;
  private readonly once: OnceEvents;

  constructor(private readonly d: PersistentVolumeBinderDeps) {
    this.queue = d.queue;
    this.caches = [d.volumes, d.claims, d.classes];
    this.w = new VolumeWrites(d.api, d.clock);
    this.once = new OnceEvents(d.recorder);
    const claim = (c: PersistentVolumeClaim): void => this.queue.add(CLAIM + objectKey(c));
    const volume = (v: PersistentVolume): void => {
      this.queue.add(VOLUME + (v.metadata.name ?? ''));
      const ref = v.spec.claimRef;
      if (ref?.name) this.queue.add(`${CLAIM}${ref.namespace ?? ''}/${ref.name}`);
      if (!ref || v.status?.phase === 'Available') this.pendingClaims();
    };
    d.claims.addHandlers({
      add: claim,
      update: (_o, c) => claim(c),
      delete: (c) => {
        this.once.forget(c);
        if (c.spec.volumeName) this.queue.add(VOLUME + c.spec.volumeName);
        for (const v of d.volumes.list())
          if (v.spec.claimRef?.uid === c.metadata.uid) this.queue.add(VOLUME + (v.metadata.name ?? ''));
      },
    });
    d.volumes.addHandlers({ add: volume, update: (_o, v) => volume(v), delete: volume });
    d.classes.addHandlers({ add: () => this.pendingClaims(), update: () => this.pendingClaims() });
  }

  private pendingClaims(): void {
    for (const c of this.d.claims.list()) if (!c.spec.volumeName) this.queue.add(CLAIM + objectKey(c));
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith(CLAIM)) {
      const pvc = this.d.claims.get(key.slice(CLAIM.length));
      if (pvc && !pvc.metadata.deletionTimestamp) await this.syncClaim(pvc);
      return;
    }
    const pv = this.d.volumes.get(key.slice(VOLUME.length));
    if (pv) await this.syncVolume(pv);
  }

  private classOf(pvc: PersistentVolumeClaim): StorageClass | undefined {
    const name = claimClass(pvc);
    return name ? this.d.classes.get(name) : undefined;
  }

  // ---- claims ----

  private async syncClaim(pvc: PersistentVolumeClaim): Promise<void> {
    if (pvc.metadata.annotations?.[STORAGE.bindCompleted]) return this.syncBoundClaim(pvc);
    if (pvc.spec.volumeName) return this.syncPreBoundClaim(pvc);
    const sc = this.classOf(pvc);
    const delayBinding = sc?.volumeBindingMode === 'WaitForFirstConsumer';
    const pv = findMatchingVolume(pvc, this.d.volumes.list(), { delayBinding });
    if (pv) return this.bind(pv, pvc);
    const selectedNode = pvc.metadata.annotations?.[STORAGE.selectedNode];
    if (delayBinding && !selectedNode) {
      this.once.event(pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return void (await this.w.claimPhase(pvc, 'Pending'));
    }
    if (sc?.provisioner) {
      const claimed = await this.w.annotateClaim(pvc, {
        [STORAGE.storageProvisioner]: sc.provisioner,
        [STORAGE.betaStorageProvisioner]: sc.provisioner,
      });
      this.once.event(
        claimed,
        'Normal',
        'ExternalProvisioning',
        `waiting for a volume to be created, either by external provisioner "${sc.provisioner}" or manually created by system administrator`,
      );
      return void (await this.w.claimPhase(claimed, 'Pending'));
    }
    const cls = claimClass(pvc);
    if (cls === '')
      this.once.event(
        pvc,
        'Normal',
        'FailedBinding',
        'no persistent volumes available for this claim and no storage class is set',
      );
    else this.once.event(pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${cls}" not found`);
    await this.w.claimPhase(pvc, 'Pending');
  }

  /** The user named a volume (spec.volumeName): bind to it when it is free and fits. */
  private async syncPreBoundClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const pv = this.d.volumes.get(pvc.spec.volumeName ?? '');
    if (!pv) {
      await this.w.claimPhase(pvc, 'Pending');
      return;
    }
    const ref = pv.spec.claimRef;
    if (ref && !isPreBoundTo(pv, pvc)) {
      this.once.event(
        pvc,
        'Warning',
        'FailedBinding',
        `volume "${pv.metadata.name}" already bound to a different claim.`,
      );
      await this.w.claimPhase(pvc, 'Pending');
      return;
    }
    const why = mismatch(pv, pvc);
    if (why) {
      this.once.event(
        pvc,
        'Warning',
        'VolumeMismatch',
        `Cannot bind to requested volume "${pv.metadata.name}": ${why}`,
      );
      await this.w.claimPhase(pvc, 'Pending');
      return;
    }
    await this.bind(pv, pvc);
  }

  private async syncBoundClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const name = pvc.spec.volumeName ?? '';
    const pv = name ? this.d.volumes.get(name) : undefined;
    if (!name || !pv) {
      if (pvc.status?.phase !== 'Lost') {
        const what = name
          ? 'Bound claim has lost its PersistentVolume. Data on the volume is lost!'
          : 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!';
        this.d.recorder.event(pvc, 'Warning', 'ClaimLost', what);
      }
      await this.w.claimPhase(pvc, 'Lost');
      return;
    }
    const ref = pv.spec.claimRef;
    if (!ref || isPreBoundTo(pv, pvc)) return this.bind(pv, pvc);
    if (pvc.status?.phase !== 'Lost')
      this.d.recorder.event(
        pvc,
        'Warning',
        'ClaimMisbound',
        'Two claims are bound to the same volume, this one is bound incorrectly',
      );
    await this.w.claimPhase(pvc, 'Lost');
  }

  /** Both halves of the binding, in upstream's order; each step is skipped when already done. */
  private async bind(pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<void> {
    const volume = await this.w.volumePhase(await this.w.bindVolume(pv, pvc), 'Bound');
    const claim = await this.w.bindClaim(pvc, volume);
    await this.w.claimPhase(claim, 'Bound', volume);
    this.d.log.debug({ claim: objectKey(pvc), volume: pv.metadata.name }, 'bound');
  }

  // ---- volumes ----

  private async syncVolume(pv: PersistentVolume): Promise<void> {
    const ref = pv.spec.claimRef;
    if (!ref) {
      if (pv.status?.phase !== 'Available' && !pv.metadata.deletionTimestamp) await this.w.volumePhase(pv, 'Available');
      return;
    }
    if (!ref.uid) {
      // Pre-bound by the user to a claim that has not bound yet.
      if (pv.status?.phase === 'Pending') await this.w.volumePhase(pv, 'Available');
      return;
    }
    const pvc = this.d.claims.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`);
    if (!pvc || pvc.metadata.uid !== ref.uid) return this.released(pv);
    if (!pvc.spec.volumeName) return; // the claim's own sync completes the binding
    if (pvc.spec.volumeName === pv.metadata.name) {
      if (pv.status?.phase !== 'Bound') await this.w.volumePhase(pv, 'Bound');
      return;
    }
    // The claim went to another volume: undo a binding the controller made.
    if (pv.metadata.annotations?.[STORAGE.boundByController]) await this.w.unbindVolume(pv);
  }

  private async released(pv: PersistentVolume): Promise<void> {
    const phase = pv.status?.phase;
    if (phase === 'Failed') return;
    const written = phase === 'Released' ? pv : await this.w.volumePhase(pv, 'Released');
    const policy = pv.spec.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return;
    const provisioner = pv.metadata.annotations?.[STORAGE.provisionedBy];
    if (policy === 'Delete' && provisioner) {
      if (phase !== 'Released')
        this.d.recorder.event(
          pv,
          'Normal',
          'ExternalDeleting',
          `waiting for a volume to be deleted, either by external provisioner "${provisioner}" or manually deleted by system administrator`,
        );
      return;
    }
    const message =
      policy === 'Recycle'
        ? 'No recycler plugin found for the volume! (kubelab does not recycle volumes: use Retain or Delete)'
        : `kubelab does not delete the data of a static volume "${pv.metadata.name}": set persistentVolumeReclaimPolicy to Retain and remove the data yourself`;
    this.d.recorder.event(pv, 'Warning', policy === 'Recycle' ? 'VolumeFailedRecycle' : 'VolumeFailedDelete', message);
    await this.w.volumePhase(written, 'Failed', message);
  }
}
