/**
 * Storage object in-use protection (upstream's pvc-protection and pv-protection controllers): a
 * claim being deleted keeps its `kubernetes.io/pvc-protection` finalizer while a pod that has not
 * finished uses it (checked in the cache, then confirmed with a fresh list), and a volume keeps
 * `kubernetes.io/pv-protection` while it is Bound. Objects made before the apiserver added the
 * finalizers get them here. Keys: `claim:ns/name`, `volume:name`.
 */
import type { Logger } from 'pino';
import {
  claimNameOf,
  STORAGE,
  type KubeObject,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
} from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { isNotFound } from '../util/objects.js';

export interface ProtectionDeps {
  api: ApiLike;
  claims: Cache<PersistentVolumeClaim>;
  volumes: Cache<PersistentVolume>;
  pods: Cache<Pod>;
  queue: KeyQueue;
  log: Logger;
}

const finished = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** The claims a pod's volumes name. */
export function claimsOf(pod: Pod): string[] {
  const vols = (pod.spec['volumes'] as unknown[] | undefined) ?? [];
  return vols.map(claimNameOf).filter((n): n is string => n !== undefined);
}

export function podUsesClaim(pod: Pod, claim: string): boolean {
  return !finished(pod) && claimsOf(pod).includes(claim);
}

export class StorageProtectionController implements Controller {
  readonly name = 'storage-protection-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];

  constructor(private readonly d: ProtectionDeps) {
    this.queue = d.queue;
    this.caches = [d.claims, d.volumes, d.pods];
    const claim = (c: PersistentVolumeClaim): void => this.queue.add(`claim:${objectKey(c)}`);
    d.claims.addHandlers({ add: claim, update: (_o, c) => claim(c) });
    const volume = (v: PersistentVolume): void => this.queue.add(`volume:${v.metadata.name ?? ''}`);
    d.volumes.addHandlers({ add: volume, update: (_o, v) => volume(v) });
    const pod = (p: Pod): void => {
      for (const c of claimsOf(p)) this.queue.add(`claim:${p.metadata.namespace ?? ''}/${c}`);
    };
    d.pods.addHandlers({ update: (_o, p) => (finished(p) ? pod(p) : undefined), delete: pod });
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith('claim:')) {
      const pvc = this.d.claims.get(key.slice('claim:'.length));
      if (pvc) await this.syncClaim(pvc);
      return;
    }
    const pv = this.d.volumes.get(key.slice('volume:'.length));
    if (pv) await this.syncVolume(pv);
  }

  private async syncClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const has = (pvc.metadata.finalizers ?? []).includes(STORAGE.pvcProtection);
    if (!pvc.metadata.deletionTimestamp) {
      if (!has) await this.setFinalizer('persistentvolumeclaims', pvc, true);
      return;
    }
    if (!has) return;
    const ns = pvc.metadata.namespace ?? '';
    const name = pvc.metadata.name ?? '';
    const inCache = this.d.pods.list().some((p) => (p.metadata.namespace ?? '') === ns && podUsesClaim(p, name));
    if (inCache) return;
    const live = await this.d.api.list<Pod>('pods', { namespace: ns });
    if (live.items.some((p) => podUsesClaim(p, name))) return;
    await this.setFinalizer('persistentvolumeclaims', pvc, false);
    this.d.log.info({ claim: `${ns}/${name}` }, 'claim no longer in use; protection removed');
  }

  private async syncVolume(pv: PersistentVolume): Promise<void> {
    const has = (pv.metadata.finalizers ?? []).includes(STORAGE.pvProtection);
    if (!pv.metadata.deletionTimestamp) {
      if (!has) await this.setFinalizer('persistentvolumes', pv, true);
      return;
    }
    if (has && pv.status?.phase !== 'Bound') await this.setFinalizer('persistentvolumes', pv, false);
  }

  private async setFinalizer(resource: string, obj: KubeObject, present: boolean): Promise<void> {
    const fin = resource === 'persistentvolumes' ? STORAGE.pvProtection : STORAGE.pvcProtection;
    const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== fin);
    const finalizers = present ? [...rest, fin] : rest;
    try {
      await this.d.api.update(resource, { ...obj, metadata: { ...obj.metadata, finalizers } });
    } catch (err) {
      if (!isNotFound(err)) throw err; // a conflict is retried with a fresh cache
    }
  }
}
