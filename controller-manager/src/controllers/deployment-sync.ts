/**
 * One sync of one Deployment (upstream's DeploymentController methods that act on a single
 * Deployment): finding or creating the new ReplicaSet with its revision, scaling ReplicaSets
 * with events, proportional scaling, cleanup, and writing the Deployment's revision annotation
 * (update) and status (updateStatus) only when they changed.
 */
import type { Logger } from 'pino';
import { podTemplateHash, rfc3339, type Clock, type Deployment, type ReplicaSet } from '@kubelab/api';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike } from '../api.js';
import type { WriteOverlay } from '../util/overlay.js';
import { errorMessage, isAlreadyExists, isNotFound, newControllerRef, semanticEqual } from '../util/objects.js';
import {
  bySizeThenAge,
  byRevision,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  isActive,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  newRSNewReplicas,
  POD_TEMPLATE_HASH,
  proportion,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  REVISION,
  rsReplicas,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumSpec,
} from './deployment-util.js';
import {
  calculateStatus,
  getCondition,
  hasProgressDeadline,
  newCondition,
  Reason,
  rolloutStatus,
  setCondition,
} from './deployment-status.js';

export interface SyncDeps {
  api: ApiLike;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  overlay: WriteOverlay<ReplicaSet>;
}

export interface RSGroup {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

export class DeploymentSync {
  /** Working copy; persist() writes what differs from `stored`. */
  d: Deployment;
  private stored: Deployment;

  constructor(
    private readonly deps: SyncDeps,
    d: Deployment,
    /** The ReplicaSets this Deployment owns (after adoption). */
    public rsList: ReplicaSet[],
  ) {
    this.stored = d;
    this.d = structuredClone(d);
  }

  nowIso(): string {
    return rfc3339(this.deps.clock.now());
  }

  now(): number {
    return this.deps.clock.now();
  }

  private replace(rs: ReplicaSet): void {
    this.rsList = this.rsList.map((r) => (r.metadata.uid === rs.metadata.uid ? rs : r));
    if (!this.rsList.some((r) => r.metadata.uid === rs.metadata.uid)) this.rsList.push(rs);
    this.deps.overlay.wrote(rs);
  }

  /** Writes the revision annotation (update) and the status (updateStatus) when they changed. */
  async persist(): Promise<void> {
    const { api } = this.deps;
    if (!semanticEqual(this.d.metadata.annotations, this.stored.metadata.annotations)) {
      const updated = await api.update<Deployment>('deployments', {
        ...this.stored,
        metadata: { ...this.stored.metadata, annotations: this.d.metadata.annotations },
      });
      this.stored = updated;
      this.d = { ...this.d, metadata: { ...updated.metadata } };
    }
    if (!semanticEqual(this.d.status, this.stored.status)) {
      const updated = await api.updateStatus<Deployment>('deployments', { ...this.stored, status: this.d.status });
      this.stored = updated;
      this.d = { ...this.d, metadata: { ...updated.metadata }, status: updated.status };
    }
  }

  /** Upstream's getAllReplicaSetsAndSyncRevision. */
  async getAll(createIfMissing: boolean): Promise<RSGroup> {
    const existing = findNewReplicaSet(this.d, this.rsList);
    const oldRSs = this.rsList.filter((rs) => rs.metadata.uid !== existing?.metadata.uid);
    const newRS = await this.getNewReplicaSet(existing, oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(
    existing: ReplicaSet | undefined,
    oldRSs: ReplicaSet[],
    create: boolean,
  ): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadyChanged = (copy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      let rs = existing;
      if (annotationsChanged || minReadyChanged) {
        if (d.spec.minReadySeconds !== undefined) copy.spec.minReadySeconds = d.spec.minReadySeconds;
        else delete copy.spec.minReadySeconds;
        rs = await this.deps.api.update('replicasets', copy);
        this.replace(rs);
      }
      let changed = setDeploymentRevision(this.d, rs.metadata.annotations?.[REVISION] ?? '');
      if (hasProgressDeadline(d) && !getCondition(this.d.status, 'Progressing')) {
        this.d.status ??= {};
        setCondition(
          this.d.status,
          newCondition(
            'Progressing',
            'True',
            Reason.FoundNewRS,
            `Found new replica set "${rs.metadata.name}"`,
            this.nowIso(),
          ),
        );
        changed = true;
      }
      if (changed) await this.persist();
      return rs;
    }
    if (!create) return undefined;

    const hash = podTemplateHash(d.spec.template, d.status?.collisionCount ?? 0);
    const template = structuredClone(d.spec.template);
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
    };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels! },
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, selector, template },
    };
    if (d.spec.minReadySeconds !== undefined) rs.spec.minReadySeconds = d.spec.minReadySeconds;
    rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);

    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.deps.api.create('replicasets', rs);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        const msg = `Failed to create new replica set "${rs.metadata.name}": ${errorMessage(err)}`;
        if (hasProgressDeadline(d)) {
          this.d.status ??= {};
          setCondition(this.d.status, newCondition('Progressing', 'False', Reason.FailedRSCreate, msg, this.nowIso()));
          await this.persist().catch(() => undefined);
        }
        this.deps.recorder.event(d, 'Warning', Reason.FailedRSCreate, msg);
        throw err;
      }
      const found = await this.deps.api.get<ReplicaSet>('replicasets', d.metadata.namespace ?? '', rs.metadata.name!);
      const ref = found.metadata.ownerReferences?.find((r) => r.controller);
      if (!ref || ref.uid !== d.metadata.uid || !equalIgnoreHash(found.spec.template, d.spec.template)) {
        // A hash collision: another template (or owner) already has this name. Bump collisionCount and retry.
        this.d.status = { ...(this.d.status ?? {}), collisionCount: (this.d.status?.collisionCount ?? 0) + 1 };
        await this.persist();
        throw err;
      }
      created = found;
      alreadyExisted = true;
    }
    this.replace(created);
    if (!alreadyExisted && rsReplicas(created) > 0) {
      this.deps.recorder.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata.name} to ${rsReplicas(created)}`,
      );
    }
    let changed = setDeploymentRevision(this.d, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      this.d.status ??= {};
      setCondition(
        this.d.status,
        newCondition(
          'Progressing',
          'True',
          Reason.NewRSCreated,
          `Created new replica set "${created.metadata.name}"`,
          this.nowIso(),
        ),
      );
      changed = true;
    }
    if (changed) await this.persist();
    return created;
  }

  /** Upstream's scaleReplicaSetAndRecordEvent. */
  async scaleAndRecord(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (rsReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, rsReplicas(rs) < newScale ? 'up' : 'down');
  }

  /** Sets spec.replicas and the replica annotations; records ScalingReplicaSet when the size changed. */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, op: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const desired = replicasOf(this.d);
    const max = desired + maxSurge(this.d);
    const sizeChanged = rsReplicas(rs) !== newScale;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const copy = structuredClone(rs);
    copy.spec.replicas = newScale;
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.deps.api.update('replicasets', copy);
    this.replace(updated);
    if (sizeChanged)
      this.deps.recorder.event(
        this.d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${op} replica set ${updated.metadata.name} to ${newScale}`,
      );
    return { scaled: sizeChanged, rs: updated };
  }

  /** Upstream's syncRolloutStatus: counts, Available and Progressing; requeue hint for a stuck rollout. */
  async syncRolloutStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    this.d.status = rolloutStatus(allRSs, newRS, this.d, this.now(), this.nowIso());
    await this.persist();
  }

  /** Upstream's syncDeploymentStatus: counts and Available only. */
  async syncDeploymentStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    this.d.status = calculateStatus(allRSs, newRS, this.d, this.nowIso());
    await this.persist();
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    const limit = this.d.spec.revisionHistoryLimit ?? 10;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    const sorted = [...cleanable].sort(byRevision);
    for (const rs of sorted.slice(0, diff)) {
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        rsReplicas(rs) !== 0 ||
        (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)
      )
        continue;
      this.deps.log.debug({ replicaset: rs.metadata.name }, 'cleaning up old replica set');
      try {
        await this.deps.api.delete('replicasets', rs.metadata.namespace ?? '', rs.metadata.name ?? '', {
          preconditionUid: rs.metadata.uid,
        });
        this.deps.overlay.deleted(`${rs.metadata.namespace}/${rs.metadata.name}`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Upstream's scale(): a Deployment resized (or paused) with possibly several active ReplicaSets. */
  async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const desired = replicasOf(d);
    const single = findActiveOrLatest(newRS, oldRSs);
    if (single) {
      if (rsReplicas(single) !== desired) await this.scaleAndRecord(single, desired);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of oldRSs.filter(isActive)) await this.scaleAndRecord(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = [...oldRSs, newRS].filter(isActive);
    const allowed = desired > 0 ? desired + maxSurge(d) : 0;
    const toAdd = allowed - sumSpec(all);
    const op = toAdd > 0 ? 'up' : 'down';
    if (toAdd !== 0) all.sort(bySizeThenAge(toAdd > 0));
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = proportion(rs, d, toAdd, added);
        sizes.set(rs.metadata.name ?? '', rsReplicas(rs) + p);
        added += p;
      } else sizes.set(rs.metadata.name ?? '', rsReplicas(rs));
    }
    for (const [i, rs] of all.entries()) {
      const name = rs.metadata.name ?? '';
      if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, (sizes.get(name) ?? 0) + toAdd - added));
      await this.scaleReplicaSet(rs, sizes.get(name) ?? 0, op);
    }
  }

  /** Records DeploymentPaused / DeploymentResumed in the Progressing condition. */
  async checkPausedConditions(): Promise<void> {
    if (!hasProgressDeadline(this.d)) return;
    const cond = getCondition(this.d.status, 'Progressing');
    if (cond?.reason === Reason.TimedOut) return;
    const pausedCond = cond?.reason === Reason.Paused;
    this.d.status ??= {};
    if (this.d.spec.paused && !pausedCond) {
      setCondition(
        this.d.status,
        newCondition('Progressing', 'Unknown', Reason.Paused, 'Deployment is paused', this.nowIso()),
      );
    } else if (!this.d.spec.paused && pausedCond) {
      setCondition(
        this.d.status,
        newCondition('Progressing', 'Unknown', Reason.Resumed, 'Deployment is resumed', this.nowIso()),
      );
    } else return;
    await this.persist();
  }
}
