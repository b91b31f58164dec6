/**
 * PersistentVolumes and PersistentVolumeClaims: status starts Pending, and each gets upstream's
 * protection finalizer (the StorageObjectInUseProtection admission plugin's job), which the
 * controller-manager removes once nothing uses the object. A claim created without a class gets
 * the default StorageClass (the DefaultStorageClass admission plugin): the newest of the classes
 * annotated `storageclass.kubernetes.io/is-default-class: "true"`.
 */
import {
  isDefaultClass,
  rfc3339,
  storagePrefix,
  resourceInfo,
  STORAGE,
  type KubeObject,
  type StorageClass,
} from '@kubelab/api';
import type { Store } from '../../storage/store.js';
import type { Strategy } from '../strategy.js';

const CLASSES = storagePrefix(resourceInfo('storageclasses')!);

function withFinalizer(obj: KubeObject, finalizer: string): void {
  const f = obj.metadata.finalizers ?? [];
  if (!f.includes(finalizer)) obj.metadata.finalizers = [...f, finalizer];
}

/** The default class, if any: with several, the newest (then the first by name), as upstream. */
export function pickDefaultClass(classes: StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort(
    (a, b) =>
      (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
  return defaults[0];
}

async function defaultClass(store: Store): Promise<StorageClass | undefined> {
  const { kvs } = await store.list(CLASSES);
  const classes: StorageClass[] = [];
  for (const kv of kvs) {
    try {
      classes.push(JSON.parse(kv.value.toString('utf8')) as StorageClass);
    } catch {
      // an unreadable class is no default
    }
  }
  return pickDefaultClass(classes);
}

export function persistentVolumeStrategy(now: () => number = Date.now): Strategy {
  return {
    prepareForCreate(pv: KubeObject): void {
      pv.status = { phase: 'Pending', lastPhaseTransitionTime: rfc3339(now()) };
      withFinalizer(pv, STORAGE.pvProtection);
    },
  };
}

export function persistentVolumeClaimStrategy(store: Store): Strategy {
  return {
    async admit(pvc: KubeObject): Promise<void> {
      const spec = (pvc.spec ?? {}) as { storageClassName?: string | null };
      if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
      if (pvc.metadata.annotations?.[STORAGE.betaClassAnnotation] !== undefined) return;
      const sc = await defaultClass(store);
      if (sc?.metadata.name) pvc.spec = { ...spec, storageClassName: sc.metadata.name };
    },
    prepareForCreate(pvc: KubeObject): void {
      pvc.status = { phase: 'Pending' };
      withFinalizer(pvc, STORAGE.pvcProtection);
    },
  };
}
