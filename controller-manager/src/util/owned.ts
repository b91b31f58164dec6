/** Shared pieces of the controllers that own pods (Job, DaemonSet, StatefulSet) and jobs (CronJob). */
import type { KubeObject, Pod, PodTemplateSpec } from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { Cache, KeyQueue } from '../api.js';
import { controllerRef, inNamespace, newControllerRef } from './objects.js';

/** Objects in `items` whose controller reference points at `owner` (same uid). */
export function ownedBy<T extends KubeObject>(items: T[], owner: KubeObject): T[] {
  const uid = owner.metadata.uid;
  if (!uid) return [];
  return inNamespace(items, owner.metadata.namespace ?? '').filter((o) => controllerRef(o)?.uid === uid);
}

/** A pod from a template: labels/annotations/finalizers/spec copied, controller reference set. */
export function podFromTemplate(
  owner: KubeObject,
  apiVersion: string,
  kind: string,
  template: PodTemplateSpec,
  name: { name?: string; generateName?: string },
  extraLabels: Record<string, string> = {},
): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...name,
      namespace: owner.metadata.namespace ?? 'default',
      labels: { ...(meta.labels ?? {}), ...extraLabels },
      ownerReferences: [newControllerRef(owner, apiVersion, kind)],
    },
    spec: structuredClone(template.spec),
  };
  if (meta.annotations && Object.keys(meta.annotations).length > 0) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers && meta.finalizers.length > 0) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

/**
 * Handlers that enqueue the owner of a changed dependent: `kind` is the controller kind,
 * `owners` the owners' cache (the reference must match a cached owner's uid).
 */
export function enqueueOwnerHandlers<T extends KubeObject>(
  owners: Cache<KubeObject>,
  kind: string,
  queue: KeyQueue,
): { add: (o: T) => void; update: (old: T, o: T) => void; delete: (o: T) => void } {
  const enqueue = (o: T): void => {
    const ref = controllerRef(o);
    if (!ref || ref.kind !== kind) return;
    const key = `${o.metadata.namespace ?? ''}/${ref.name}`;
    const owner = owners.get(key);
    if (owner && owner.metadata.uid === ref.uid) queue.add(objectKey(owner));
  };
  return {
    add: enqueue,
    update: (old, o) => {
      if (old.metadata.resourceVersion === o.metadata.resourceVersion) return;
      enqueue(o);
      if (controllerRef(old)?.uid !== controllerRef(o)?.uid) enqueue(old);
    },
    delete: enqueue,
  };
}

/** Handlers that enqueue the object itself. */
export function enqueueSelf<T extends KubeObject>(
  queue: KeyQueue,
): { add: (o: T) => void; update: (old: T, o: T) => void; delete: (o: T) => void } {
  return {
    add: (o) => queue.add(objectKey(o)),
    update: (_old, o) => queue.add(objectKey(o)),
    delete: (o) => queue.add(objectKey(o)),
  };
}
