/**
 * Writes pod status through updateStatus, only when it changed. The informer's copy can lag
 * behind our own last write, so a status equal to the one we just wrote on top of the same
 * resourceVersion is not written again, and a new status is written on top of the pod our last
 * write answered while the cache still lags it. A Conflict re-reads the pod and recomputes.
 */
import type { Logger } from 'pino';
import type { Pod, PodStatus } from '@kubelab/api';
import { isReason, type KubeletApi } from './api.js';
import { sameStatus } from './status.js';

interface Written {
  /**
   * resourceVersions our writes in a row were based on, oldest first, since the cache last
   * showed one of our writes: a cached pod at one of them has not seen our last write yet.
   */
  bases: string[];
  /** What we sent, and what the apiserver stored of it (it may normalise fields). */
  sent: PodStatus;
  stored: PodStatus | undefined;
  /** The pod as the write answered it: the base of the next write while the cache still lags. */
  pod: Pod | undefined;
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
    const last = this.written.get(uid);
    // The cache has not seen our last write yet (it still has a version our writes were based
    // on): build on the pod that write answered, not on a version the apiserver would refuse as
    // a Conflict (which cost a GET and a second write per status change of a starting pod).
    const lagging = last?.pod !== undefined && last.bases.includes(pod.metadata.resourceVersion ?? '');
    let current = lagging ? last.pod! : pod;
    let status = compute(current);
    if (sameStatus(current.status, status)) return false;
    // Our last write, not yet seen by the cache (same base version) or seen as the apiserver stored it.
    if (
      last &&
      sameStatus(last.sent, status) &&
      (last.bases.includes(current.metadata.resourceVersion ?? '') || sameStatus(last.stored, current.status))
    )
      return false;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.api.updateStatus<Pod>('pods', { ...current, status });
        const stored = res?.metadata?.uid === uid && res.metadata.resourceVersion ? res : undefined;
        this.written.set(uid, {
          bases: [
            ...(lagging && current === last?.pod ? last.bases : []),
            current.metadata.resourceVersion ?? '',
          ].slice(-8),
          sent: status,
          stored: res?.status,
          pod: stored,
        });
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
