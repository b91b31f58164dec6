/**
 * StatefulSet controller, following upstream's defaultStatefulSetControl: pods `<set>-0 …
 * <set>-(N-1)` with stable names, hostname and subdomain; each pod's claims (from
 * volumeClaimTemplates) are made before it and kept after it (statefulset-claims.ts); the
 * template history lives in ControllerRevisions (statefulset-history.ts), and pods are labelled
 * with the revision they were made from. OrderedReady creates the next ordinal only when the
 * lower ones are Running and Ready and deletes the highest ordinal first, one at a time; Parallel
 * does both at once. RollingUpdate replaces pods at ordinals >= partition whose revision is not the
 * update revision, highest first, one at a time, waiting for each to be healthy; a missing pod
 * below the partition is recreated at the current revision. OnDelete only recreates deleted pods
 * (at the update revision). Failed pods are deleted and recreated.
 */
import type { Logger } from 'pino';
import type {
  Clock,
  ControllerRevision,
  KubeObject,
  PersistentVolumeClaim,
  Pod,
  StatefulSet,
  StatefulSetStatus,
} from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { errorMessage, isAlreadyExists, isConflict, isNotFound, semanticEqual } from '../util/objects.js';
import { enqueueOwnerHandlers, ownedBy } from '../util/owned.js';
import { isPodAvailable, isPodReady, msUntilAvailable } from '../util/pods.js';
import { StatefulSetClaims } from './statefulset-claims.js';
import { applyRevision, resolveRevisions, truncateHistory, type Revisions } from './statefulset-history.js';
import {
  identityMatches,
  ordinalOf,
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  revisionOf,
  startOrdinal,
  statefulPod,
} from './statefulset-identity.js';

export { POD_NAME_LABEL, POD_INDEX_LABEL, REVISION_LABEL, ordinalOf, statefulPod } from './statefulset-identity.js';

export interface StatefulSetControllerDeps {
  api: ApiLike;
  statefulsets: Cache<StatefulSet>;
  pods: Cache<Pod>;
  claims: Cache<PersistentVolumeClaim>;
  revisions: Cache<ControllerRevision>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

const runningAndReady = (p: Pod): boolean => p.status?.phase === 'Running' && isPodReady(p);
const terminating = (p: Pod): boolean => !!p.metadata.deletionTimestamp;
const finished = (p: Pod): boolean => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';

/** One pass over a set: what it decided to wait for, and when to look again. */
interface Pass {
  sts: StatefulSet;
  current: StatefulSet;
  update: StatefulSet;
  revs: Revisions;
  monotonic: boolean;
  retryMs?: number;
}

export class StatefulSetController implements Controller {
  readonly name = 'statefulset-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  private readonly claims: StatefulSetClaims;

  constructor(private readonly d: StatefulSetControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.statefulsets, d.pods, d.claims, d.revisions];
    this.claims = new StatefulSetClaims(d.api, d.claims, d.recorder);
    d.statefulsets.addHandlers({
      add: (x) => this.queue.add(objectKey(x)),
      update: (_o, x) => this.queue.add(objectKey(x)),
    });
    d.pods.addHandlers(enqueueOwnerHandlers<Pod>(d.statefulsets as Cache<KubeObject>, 'StatefulSet', this.queue));
    d.revisions.addHandlers(
      enqueueOwnerHandlers<ControllerRevision>(d.statefulsets as Cache<KubeObject>, 'StatefulSet', this.queue),
    );
    const claim = (c: PersistentVolumeClaim): void => {
      for (const sts of d.statefulsets.list()) {
        if (sts.metadata.namespace !== c.metadata.namespace) continue;
        if (
          (sts.spec.volumeClaimTemplates ?? []).some((t) =>
            (c.metadata.name ?? '').startsWith(`${t.metadata.name ?? ''}-${sts.metadata.name ?? ''}-`),
          )
        )
          this.queue.add(objectKey(sts));
      }
    };
    d.claims.addHandlers({ update: (_o, c) => claim(c), delete: claim });
  }

  async reconcile(key: string): Promise<void> {
    const sts = this.d.statefulsets.get(key);
    if (!sts) return;
    const pods = ownedBy(this.d.pods.list(), sts);
    const owned = ownedBy(this.d.revisions.list(), sts);
    if (sts.metadata.deletionTimestamp) return; // the garbage collector takes pods and revisions
    const revs = await resolveRevisions(this.d.api, sts, owned);
    const pass: Pass = {
      sts,
      current: applyRevision(sts, revs.current),
      update: applyRevision(sts, revs.update),
      revs,
      monotonic: (sts.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady',
    };
    let failure: unknown;
    try {
      await this.manage(pass, pods);
    } catch (err) {
      failure = err;
    }
    const fresh = ownedBy(this.d.pods.list(), sts);
    await this.writeStatus(sts, this.status(pass, fresh));
    const live = new Set([revs.current.metadata.name ?? '', revs.update.metadata.name ?? '', ...fresh.map(revisionOf)]);
    await truncateHistory(this.d.api, sts, ownedBy(this.d.revisions.list(), sts), live);
    if (failure !== undefined) throw failure;
    if (pass.retryMs !== undefined) this.queue.addAfter(key, pass.retryMs);
  }

  /** Healthy for the set: running, ready and (minReadySeconds) available; else when to look again. */
  private healthy(pass: Pass, p: Pod): boolean {
    if (!runningAndReady(p) || terminating(p)) return false;
    const min = pass.sts.spec.minReadySeconds ?? 0;
    const now = this.d.clock.now();
    if (isPodAvailable(p, min, now)) return true;
    const wait = msUntilAvailable(p, min, now);
    if (wait !== undefined) pass.retryMs = Math.min(pass.retryMs ?? wait, wait);
    return false;
  }

  private async manage(pass: Pass, pods: Pod[]): Promise<void> {
    const { sts, revs, monotonic } = pass;
    const start = startOrdinal(sts);
    const end = start + (sts.spec.replicas ?? 1);
    const byOrdinal = new Map<number, Pod>();
    const condemned: Pod[] = [];
    for (const p of pods) {
      const i = ordinalOf(sts, p);
      if (i !== undefined && i >= start && i < end) byOrdinal.set(i, p);
      else condemned.push(p);
    }
    condemned.sort((a, b) => (ordinalOf(sts, a) ?? -1) - (ordinalOf(sts, b) ?? -1));
    const rolling = (sts.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const partition = start + (sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0);

    for (let i = start; i < end; i++) {
      const p = byOrdinal.get(i);
      if (p && finished(p) && !terminating(p)) {
        await this.deletePod(sts, p);
        byOrdinal.delete(i);
        if (monotonic) return;
        continue;
      }
      if (!p) {
        const fromCurrent = rolling && i < partition;
        const set = fromCurrent ? pass.current : pass.update;
        const revision = (fromCurrent ? revs.current : revs.update).metadata.name ?? '';
        await this.claims.ensure(set, i, undefined);
        await this.createPod(sts, statefulPod(set, i, revision));
        if (monotonic) return;
        continue;
      }
      if (terminating(p) && monotonic) return;
      if (!terminating(p)) {
        await this.claims.ensure(sts, i, p);
        if (!identityMatches(sts, p)) await this.fixIdentity(sts, p, i);
        await this.claims.retain(sts, i, p, false);
      }
      if (monotonic && !this.healthy(pass, p)) return;
    }

    // Scale down: the highest ordinal first (OrderedReady: one at a time, the others healthy).
    const firstUnhealthy = [...byOrdinal.values(), ...condemned].find((p) => !runningAndReady(p) || terminating(p));
    for (let k = condemned.length - 1; k >= 0; k--) {
      const p = condemned[k]!;
      if (terminating(p)) {
        if (monotonic) return;
        continue;
      }
      if (monotonic && !runningAndReady(p) && p !== firstUnhealthy) return;
      const ordinal = ordinalOf(sts, p);
      if (ordinal !== undefined) await this.claims.retain(sts, ordinal, p, true);
      await this.deletePod(sts, p);
      if (monotonic) return;
    }

    if (!rolling) return;
    const updateName = revs.update.metadata.name ?? '';
    for (let i = end - 1; i >= partition; i--) {
      const p = byOrdinal.get(i);
      if (!p) return;
      if (revisionOf(p) !== updateName && !terminating(p)) {
        this.d.log.info(
          { statefulset: objectKey(sts), pod: p.metadata.name, revision: updateName },
          'rolling update: replacing pod',
        );
        await this.deletePod(sts, p);
        return;
      }
      if (!this.healthy(pass, p)) return;
    }
  }

  private async createPod(sts: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.d.api.create('pods', pod, sts.metadata.namespace ?? 'default');
      this.d.recorder.event(
        sts,
        'Normal',
        'SuccessfulCreate',
        `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`,
      );
    } catch (err) {
      if (isAlreadyExists(err)) return; // the informer has not shown it yet
      this.d.recorder.event(
        sts,
        'Warning',
        'FailedCreate',
        `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${errorMessage(err)}`,
      );
      throw err;
    }
  }

  private async deletePod(sts: StatefulSet, p: Pod): Promise<void> {
    try {
      await this.d.api.delete('pods', p.metadata.namespace ?? '', p.metadata.name ?? '', {
        preconditionUid: p.metadata.uid,
      });
      this.d.recorder.event(
        sts,
        'Normal',
        'SuccessfulDelete',
        `delete Pod ${p.metadata.name} in StatefulSet ${sts.metadata.name} successful`,
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.d.recorder.event(
        sts,
        'Warning',
        'FailedDelete',
        `delete Pod ${p.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${errorMessage(err)}`,
      );
      throw err;
    }
  }

  private async fixIdentity(sts: StatefulSet, p: Pod, ordinal: number): Promise<void> {
    const labels = {
      ...(p.metadata.labels ?? {}),
      [POD_NAME_LABEL]: p.metadata.name ?? '',
      [POD_INDEX_LABEL]: String(ordinal),
    };
    try {
      await this.d.api.update('pods', { ...p, metadata: { ...p.metadata, labels } });
      this.d.recorder.event(
        sts,
        'Normal',
        'SuccessfulUpdate',
        `update Pod ${p.metadata.name} in StatefulSet ${sts.metadata.name} successful`,
      );
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Upstream's computeReplicaStatus, then completeRollingUpdate. */
  private status(pass: Pass, pods: Pod[]): StatefulSetStatus {
    const { sts, revs } = pass;
    const current = revs.current.metadata.name ?? '';
    const update = revs.update.metadata.name ?? '';
    const now = this.d.clock.now();
    const min = sts.spec.minReadySeconds ?? 0;
    const s: StatefulSetStatus = {
      replicas: 0,
      readyReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      availableReplicas: 0,
    };
    for (const p of pods) {
      s.replicas++;
      if (runningAndReady(p) && !terminating(p)) {
        s.readyReplicas!++;
        if (isPodAvailable(p, min, now)) s.availableReplicas!++;
      }
      if (terminating(p)) continue;
      if (revisionOf(p) === current) s.currentReplicas!++;
      if (revisionOf(p) === update) s.updatedReplicas!++;
    }
    s.currentRevision = current;
    s.updateRevision = update;
    const rolling = (sts.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    if (rolling && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas) {
      s.currentReplicas = s.updatedReplicas;
      s.currentRevision = update;
    }
    if (sts.metadata.generation) s.observedGeneration = sts.metadata.generation;
    s.collisionCount = revs.collisionCount;
    return s;
  }

  private async writeStatus(sts: StatefulSet, status: StatefulSetStatus): Promise<void> {
    if (semanticEqual(sts.status, status)) return;
    try {
      await this.d.api.updateStatus('statefulsets', { ...sts, status });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const fresh = await this.d.api.get<StatefulSet>(
        'statefulsets',
        sts.metadata.namespace ?? '',
        sts.metadata.name ?? '',
      );
      await this.d.api.updateStatus('statefulsets', { ...fresh, status });
    }
  }
}
