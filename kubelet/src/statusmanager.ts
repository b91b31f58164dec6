/**
 * Writes pod status through updateStatus, only when it changed. The informer's copy can lag
 * behind our own last write, so a status equal to the one we just wrote on top of the same
 * resourceVersion is not written again. A Conflict re-reads the pod and recomputes.
 */
import type { Logger } from 'pino';
import type { Pod, PodStatus } from '@kubelab/api';
import { isReason, type KubeletApi } from './api.js';
import { sameStatus } from './status.js';

interface Written {
  /** resourceVersion of the pod the status was computed from. */
  baseRv: string;
  /** What we sent, and what the apiserver stored of it (it may normalise fields). */
  sent: PodStatus;
  stored: PodStatus | undefined;
}

export class StatusManager {
  private readonly written = new Map<string, Written>();

  constructor(
    private readonly api: KubeletApi,
    private readonly log: Logger,
    private readonly maxAttempts = 5,
  ) {}

  /**
   * compute(pod) gives the status wanted for that version of the pod. Returns true when a write
   * happened. Throws on errors other than Conflict/NotFound (the caller retries with back-off).
   */
  async sync(pod: Pod, compute: (pod: Pod) => PodStatus): Promise<boolean> {
    const uid = pod.metadata.uid ?? '';
    let current = pod;
    let status = compute(current);
    if (sameStatus(current.status, status)) return false;
    // Our last write, not yet seen by the cache (same base version) or seen as the apiserver stored it.
    const last = this.written.get(uid);
    if (
      last &&
      sameStatus(last.sent, status) &&
      (last.baseRv === current.metadata.resourceVersion || sameStatus(last.stored, current.status))
    )
      return false;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.api.updateStatus<Pod>('pods', { ...current, status });
        this.written.set(uid, { baseRv: current.metadata.resourceVersion ?? '', sent: status, stored: res?.status });
        this.log.debug(
          { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, phase: status.phase },
          'pod status updated',
        );
        return true;
      } catch (err) {
        if (isReason(err, 'NotFound')) return false;
        if (!isReason(err, 'Conflict') || attempt >= this.maxAttempts) throw err;
      }
      try {
        current = await this.api.get<Pod>('pods', pod.metadata.namespace ?? 'default', pod.metadata.name ?? '');
      } catch (err) {
        if (isReason(err, 'NotFound')) return false;
        throw err;
      }
      if (current.metadata.uid !== uid) return false;
      status = compute(current);
      if (sameStatus(current.status, status)) return false;
    }
  }

  forget(uid: string): void {
    this.written.delete(uid);
  }
}
