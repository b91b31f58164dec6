/**
 * Deployment controller: owns ReplicaSets named `<deployment>-<pod-template-hash>`, rolls the
 * template out with RollingUpdate (maxSurge / maxUnavailable) or Recreate, honours paused and
 * revisionHistoryLimit, adopts and releases ReplicaSets by selector, and keeps status and
 * conditions. Each sync re-reads the caches (plus our own recent writes) and is idempotent.
 */
import type { Logger } from 'pino';
import {
  fromLabelSelector,
  matches,
  type Clock,
  type Deployment,
  type KubeObject,
  type Pod,
  type ReplicaSet,
} from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { WriteOverlay } from '../util/overlay.js';
import { controllerRef, errorMessage, inNamespace, isConflict, isNotFound, newControllerRef } from '../util/objects.js';
import { DeploymentSync } from './deployment-sync.js';
import { isScalingEvent, rolloutRecreate, rolloutRolling, syncScale, syncStatusOnly } from './deployment-rollout.js';
import { getCondition, hasProgressDeadline, progressDeadlineSeconds, Reason } from './deployment-status.js';

export interface DeploymentControllerDeps {
  api: ApiLike;
  deployments: Cache<Deployment>;
  replicasets: Cache<ReplicaSet>;
  pods: Cache<Pod>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

export class DeploymentController implements Controller {
  readonly name = 'deployment-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  private readonly overlay: WriteOverlay<ReplicaSet>;

  constructor(private readonly d: DeploymentControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.deployments, d.replicasets, d.pods];
    this.overlay = new WriteOverlay<ReplicaSet>(d.clock);
    d.deployments.addHandlers({
      add: (x) => this.queue.add(objectKey(x)),
      update: (_o, x) => this.queue.add(objectKey(x)),
      delete: (x) => this.queue.add(objectKey(x)),
    });
    d.replicasets.addHandlers({
      add: (rs) => this.onReplicaSet(rs),
      update: (old, rs) => {
        if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
        const oldRef = controllerRef(old);
        if (oldRef && oldRef.uid !== controllerRef(rs)?.uid) this.enqueueOwner(old);
        this.onReplicaSet(rs);
      },
      delete: (rs) => this.enqueueOwner(rs),
    });
    d.pods.addHandlers({
      // Recreate waits for the old pods to be gone.
      delete: (p) => {
        const ref = controllerRef(p);
        if (!ref || ref.kind !== 'ReplicaSet') return;
        const rs = d.replicasets.get(`${p.metadata.namespace}/${ref.name}`);
        if (rs && rs.metadata.uid === ref.uid) this.enqueueOwner(rs);
      },
    });
  }

  private enqueueOwner(rs: ReplicaSet): void {
    const ref = controllerRef(rs);
    if (!ref || ref.kind !== 'Deployment') return;
    const dep = this.d.deployments.get(`${rs.metadata.namespace}/${ref.name}`);
    if (dep && dep.metadata.uid === ref.uid) this.queue.add(objectKey(dep));
  }

  private onReplicaSet(rs: ReplicaSet): void {
    if (controllerRef(rs)) return this.enqueueOwner(rs);
    // An orphan: every Deployment that could adopt it.
    for (const dep of inNamespace(this.d.deployments.list(), rs.metadata.namespace ?? '')) {
      const sel = fromLabelSelector(dep.spec.selector);
      if (sel.length > 0 && matches(sel, rs.metadata.labels)) this.queue.add(objectKey(dep));
    }
  }

  async reconcile(key: string): Promise<void> {
    const dep = this.d.deployments.get(key);
    if (!dep) return;
    const log = this.d.log.child({ deployment: key });
    const sel = fromLabelSelector(dep.spec.selector);
    if (sel.length === 0) {
      this.d.recorder.event(
        dep,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      if ((dep.status?.observedGeneration ?? 0) < (dep.metadata.generation ?? 0)) {
        await this.d.api.updateStatus('deployments', {
          ...dep,
          status: { ...(dep.status ?? {}), observedGeneration: dep.metadata.generation },
        });
      }
      return;
    }
    const rsList = await this.claimReplicaSets(dep, sel, log);
    const s = new DeploymentSync(
      { api: this.d.api, recorder: this.d.recorder, clock: this.d.clock, log, overlay: this.overlay },
      dep,
      rsList,
    );
    if (dep.metadata.deletionTimestamp) return syncStatusOnly(s);
    await s.checkPausedConditions();
    if (s.d.spec.paused) return syncScale(s);
    if (await isScalingEvent(s)) return syncScale(s);
    if (s.d.spec.strategy?.type === 'Recreate') {
      const uids = new Set(s.rsList.map((rs) => rs.metadata.uid));
      const pods = inNamespace(this.d.pods.list(), dep.metadata.namespace ?? '').filter((p) =>
        uids.has(controllerRef(p)?.uid),
      );
      await rolloutRecreate(s, pods);
    } else {
      await rolloutRolling(s);
    }
    this.requeueStuck(key, s.d);
  }

  /** Re-check a rollout that has not finished when its progress deadline would pass. */
  private requeueStuck(key: string, dep: Deployment): void {
    if (!hasProgressDeadline(dep)) return;
    const cond = getCondition(dep.status, 'Progressing');
    if (!cond || cond.reason === Reason.NewRSAvailable || cond.reason === Reason.TimedOut || !cond.lastUpdateTime)
      return;
    const due = Date.parse(cond.lastUpdateTime) + progressDeadlineSeconds(dep) * 1000 - this.d.clock.now();
    this.queue.addAfter(key, Math.max(1000, due + 1000));
  }

  /**
   * Upstream's ClaimReplicaSets: owned ReplicaSets that match stay, orphans that match are
   * adopted (after a fresh GET shows the Deployment alive), owned ones that stopped matching are
   * released.
   */
  private async claimReplicaSets(
    dep: Deployment,
    sel: ReturnType<typeof fromLabelSelector>,
    log: Logger,
  ): Promise<ReplicaSet[]> {
    const ns = dep.metadata.namespace ?? '';
    const all = this.overlay.view(inNamespace(this.d.replicasets.list(), ns));
    const deleting = !!dep.metadata.deletionTimestamp;
    const claimed: ReplicaSet[] = [];
    let canAdopt: Promise<boolean> | undefined;
    for (const rs of all) {
      const ref = controllerRef(rs);
      const ok = matches(sel, rs.metadata.labels);
      if (ref) {
        if (ref.uid !== dep.metadata.uid) continue;
        if (ok) claimed.push(rs);
        else if (!deleting)
          await this.writeOwnerRefs(
            rs,
            (rs.metadata.ownerReferences ?? []).filter((r) => r.uid !== dep.metadata.uid),
            log,
          );
        continue;
      }
      if (!ok || deleting || rs.metadata.deletionTimestamp) continue;
      canAdopt ??= this.d.api.get<Deployment>('deployments', ns, dep.metadata.name ?? '').then(
        (fresh) => fresh.metadata.uid === dep.metadata.uid && !fresh.metadata.deletionTimestamp,
        () => false,
      );
      if (!(await canAdopt)) continue;
      const adopted = await this.writeOwnerRefs(
        rs,
        [...(rs.metadata.ownerReferences ?? []), newControllerRef(dep, 'apps/v1', 'Deployment')],
        log,
      );
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  private async writeOwnerRefs(
    rs: ReplicaSet,
    refs: NonNullable<ReplicaSet['metadata']['ownerReferences']>,
    log: Logger,
  ): Promise<ReplicaSet | undefined> {
    const next = structuredClone(rs);
    if (refs.length > 0) next.metadata.ownerReferences = refs;
    else delete next.metadata.ownerReferences;
    try {
      const updated = await this.d.api.update('replicasets', next);
      this.overlay.wrote(updated);
      return updated;
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) {
        log.debug({ replicaset: rs.metadata.name, err: errorMessage(err) }, 'replica set changed while claiming it');
        return undefined;
      }
      throw err;
    }
  }
}
