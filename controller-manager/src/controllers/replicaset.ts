/**
 * ReplicaSet controller: keeps spec.replicas active pods from spec.template (creates in slow-start
 * batches, deletes the least valuable surplus pods first), adopts matching orphans, releases
 * owned pods that no longer match, and writes status (replicas, fullyLabeled, ready, available,
 * observedGeneration) when it changed. Expectations keep a burst from being repeated before the
 * informer has seen it.
 */
import type { Logger } from 'pino';
import {
  fromLabelSelector,
  matches,
  rfc3339,
  type Clock,
  type KubeObject,
  type Pod,
  type ReplicaSet,
  type Selector,
} from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { Expectations } from './expectations.js';
import {
  calculateReplicaSetStatus,
  podFromTemplate,
  podKey,
  podsToDelete,
  type ReplicaSetStatusFull,
} from './replicaset-pods.js';
import { slowStartBatch } from '../util/batch.js';
import {
  controllerRef,
  errorMessage,
  inNamespace,
  isConflict,
  isNamespaceTerminating,
  isNotFound,
  newControllerRef,
  semanticEqual,
} from '../util/objects.js';
import { isPodActive, isPodReady, msUntilAvailable } from '../util/pods.js';

/** Upstream's burstReplicas: at most this many creates/deletes per sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetControllerDeps {
  api: ApiLike;
  replicasets: Cache<ReplicaSet>;
  pods: Cache<Pod>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  burstReplicas?: number;
  expectationsTtlMs?: number;
}

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  readonly expectations: Expectations;
  private readonly burst: number;

  constructor(private readonly d: ReplicaSetControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.replicasets, d.pods];
    this.expectations = new Expectations(d.clock, d.expectationsTtlMs);
    this.burst = d.burstReplicas ?? BURST_REPLICAS;
    d.replicasets.addHandlers({
      add: (rs) => this.queue.add(objectKey(rs)),
      update: (_o, rs) => this.queue.add(objectKey(rs)),
      delete: (rs) => {
        this.expectations.delete(objectKey(rs));
        this.queue.add(objectKey(rs));
      },
    });
    d.pods.addHandlers({
      add: (p) => this.onPodAdd(p),
      update: (o, p) => this.onPodUpdate(o, p),
      delete: (p) => this.onPodDelete(p),
    });
  }

  /** The cached ReplicaSet a controller reference points to, when its uid still matches. */
  private resolve(
    namespace: string,
    ref: { kind: string; name: string; uid: string } | undefined,
  ): ReplicaSet | undefined {
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.d.replicasets.get(`${namespace}/${ref.name}`);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets in the pod's namespace whose selector matches it (for orphans). */
  private matchingReplicaSets(pod: Pod): ReplicaSet[] {
    const ns = pod.metadata.namespace ?? '';
    return inNamespace(this.d.replicasets.list(), ns).filter((rs) => {
      const sel = fromLabelSelector(rs.spec.selector);
      return sel.length > 0 && matches(sel, pod.metadata.labels);
    });
  }

  private onPodAdd(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.onPodDelete(pod);
    const ns = pod.metadata.namespace ?? '';
    const ref = controllerRef(pod);
    if (ref) {
      const rs = this.resolve(ns, ref);
      if (!rs) return;
      this.expectations.creationObserved(objectKey(rs));
      this.queue.add(objectKey(rs));
      return;
    }
    for (const rs of this.matchingReplicaSets(pod)) this.queue.add(objectKey(rs));
  }

  private onPodUpdate(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const labelsChanged = !semanticEqual(old.metadata.labels, cur.metadata.labels);
    if (cur.metadata.deletionTimestamp) {
      this.onPodDelete(cur);
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const ns = cur.metadata.namespace ?? '';
    const curRef = controllerRef(cur);
    const oldRef = controllerRef(old);
    const refChanged = !semanticEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const rs = this.resolve(ns, oldRef);
      if (rs) this.queue.add(objectKey(rs));
    }
    if (curRef) {
      const rs = this.resolve(ns, curRef);
      if (!rs) return;
      this.queue.add(objectKey(rs));
      const minReady = rs.spec.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0)
        this.queue.addAfter(objectKey(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.matchingReplicaSets(cur)) this.queue.add(objectKey(rs));
  }

  private onPodDelete(pod: Pod): void {
    const rs = this.resolve(pod.metadata.namespace ?? '', controllerRef(pod));
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  async reconcile(key: string): Promise<void> {
    const rs = this.d.replicasets.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const log = this.d.log.child({ replicaset: key });
    const needsSync = this.expectations.satisfied(key);
    const selector = fromLabelSelector(rs.spec.selector);
    if (selector.length === 0) {
      log.warn('replicaset has an empty selector; not managing its pods');
      return;
    }
    const active = inNamespace(this.d.pods.list(), rs.metadata.namespace ?? '').filter(isPodActive);
    const pods = await this.claimPods(rs, selector, active);
    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(rs, pods);
      } catch (err) {
        manageError = err;
      }
    }
    const now = this.d.clock.now();
    const status = calculateReplicaSetStatus(rs, pods, manageError, now, rfc3339(now));
    const updated = await this.writeStatus(rs, status);
    const want = updated.spec.replicas ?? 1;
    if (
      manageError === undefined &&
      (updated.spec.minReadySeconds ?? 0) > 0 &&
      (status.readyReplicas ?? 0) === want &&
      (status.availableReplicas ?? 0) !== want
    ) {
      const waits = pods
        .map((p) => msUntilAvailable(p, updated.spec.minReadySeconds ?? 0, now))
        .filter((x): x is number => x !== undefined);
      this.queue.addAfter(
        key,
        waits.length > 0 ? Math.min(...waits) + 100 : (updated.spec.minReadySeconds ?? 0) * 1000,
      );
    }
    if (manageError !== undefined) throw manageError;
  }

  /**
   * Upstream's ClaimPods: keep owned pods that match, adopt matching orphans (after re-checking
   * the ReplicaSet with a fresh GET), release owned pods that stopped matching.
   */
  private async claimPods(rs: ReplicaSet, selector: Selector, pods: Pod[]): Promise<Pod[]> {
    const claimed: Pod[] = [];
    let canAdopt: Promise<boolean> | undefined;
    const deleting = !!rs.metadata.deletionTimestamp;
    for (const pod of pods) {
      const ref = controllerRef(pod);
      const matchesSel = matches(selector, pod.metadata.labels);
      if (ref) {
        if (ref.uid !== rs.metadata.uid) continue;
        if (matchesSel) {
          claimed.push(pod);
          continue;
        }
        if (deleting) continue;
        await this.patchOwner(pod, (refs) => refs.filter((r) => r.uid !== rs.metadata.uid), 'release');
        continue;
      }
      if (!matchesSel || deleting || pod.metadata.deletionTimestamp) continue;
      canAdopt ??= this.d.api.get<ReplicaSet>('replicasets', rs.metadata.namespace ?? '', rs.metadata.name ?? '').then(
        (fresh) => fresh.metadata.uid === rs.metadata.uid && !fresh.metadata.deletionTimestamp,
        () => false,
      );
      if (!(await canAdopt)) continue;
      const adopted = await this.patchOwner(
        pod,
        (refs) => [...refs, newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
        'adopt',
      );
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  private async patchOwner(
    pod: Pod,
    change: (refs: NonNullable<Pod['metadata']['ownerReferences']>) => NonNullable<Pod['metadata']['ownerReferences']>,
    what: string,
  ): Promise<Pod | undefined> {
    const next = structuredClone(pod);
    const refs = change(next.metadata.ownerReferences ?? []);
    if (refs.length > 0) next.metadata.ownerReferences = refs;
    else delete next.metadata.ownerReferences;
    try {
      return await this.d.api.update('pods', next);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) {
        this.d.log.debug({ pod: podKey(pod), what, err: errorMessage(err) }, 'skipping pod; it changed');
        return undefined;
      }
      throw err;
    }
  }

  private async manageReplicas(rs: ReplicaSet, pods: Pod[]): Promise<void> {
    const key = objectKey(rs);
    const diff = pods.length - (rs.spec.replicas ?? 1);
    if (diff < 0) {
      const n = Math.min(-diff, this.burst);
      this.expectations.expectCreations(key, n);
      const { successes, error } = await slowStartBatch(n, 1, () => this.createPod(rs));
      for (let i = 0; i < n - successes; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      const n = Math.min(diff, this.burst);
      const victims = podsToDelete(pods, n);
      this.expectations.expectDeletions(key, victims.map(podKey));
      const errors: unknown[] = [];
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await this.d.api.delete('pods', pod.metadata.namespace ?? '', pod.metadata.name ?? '', {
              preconditionUid: pod.metadata.uid,
            });
            this.d.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
          } catch (err) {
            this.expectations.deletionObserved(key, podKey(pod));
            if (isNotFound(err)) return;
            errors.push(err);
            this.d.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
          }
        }),
      );
      if (errors.length > 0) throw errors[0];
    }
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    try {
      const created = await this.d.api.create('pods', podFromTemplate(rs), rs.metadata.namespace ?? 'default');
      this.d.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (err) {
      // A terminating namespace refuses every create; nothing to retry.
      if (isNamespaceTerminating(err)) return;
      this.d.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Writes status when it differs; one retry on a fresh copy after a conflict. */
  private async writeStatus(rs: ReplicaSet, status: ReplicaSetStatusFull): Promise<ReplicaSet> {
    if (semanticEqual(rs.status, status)) return rs;
    try {
      return await this.d.api.updateStatus('replicasets', { ...rs, status });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const fresh = await this.d.api.get<ReplicaSet>(
        'replicasets',
        rs.metadata.namespace ?? '',
        rs.metadata.name ?? '',
      );
      return await this.d.api.updateStatus('replicasets', { ...fresh, status });
    }
  }
}
