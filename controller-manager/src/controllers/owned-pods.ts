/**
 * Pod event handlers for a controller that creates pods under expectations (DaemonSet, Job): each
 * pod event is recorded against its controller's expectations, then the owner is enqueued.
 */
import type { KubeObject, Pod } from '@kubelab/api';
import type { Cache, KeyQueue } from '../api.js';
import { enqueueOwnerHandlers } from '../util/owned.js';
import type { Expectations } from './expectations.js';
import { podKey } from './replicaset-pods.js';

export interface PodHandlers {
  add(p: Pod): void;
  update(o: Pod, p: Pod): void;
  delete(p: Pod): void;
}

export function ownedPodHandlers(
  owners: Cache<KubeObject>,
  kind: string,
  queue: KeyQueue,
  expectations: Expectations,
): PodHandlers {
  const owner = enqueueOwnerHandlers<Pod>(owners, kind, queue);
  const observe = (pod: Pod, what: 'add' | 'delete'): void => {
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === kind);
    if (!ref) return;
    const key = `${pod.metadata.namespace ?? ''}/${ref.name}`;
    if (what === 'add') expectations.creationObserved(key);
    else expectations.deletionObserved(key, podKey(pod));
  };
  return {
    add: (p) => {
      observe(p, 'add');
      owner.add(p);
    },
    update: (o, p) => {
      if (p.metadata.deletionTimestamp && !o.metadata.deletionTimestamp) observe(p, 'delete');
      owner.update(o, p);
    },
    delete: (p) => {
      observe(p, 'delete');
      owner.delete(p);
    },
  };
}
