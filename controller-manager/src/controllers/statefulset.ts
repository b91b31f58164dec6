/**
 * StatefulSet controller: pods `<sts>-0 … <sts>-(N-1)` with stable names, hostname and subdomain
 * (spec.serviceName). OrderedReady creates the next ordinal only when every lower one is Running
 * and Ready, and scales down from the highest ordinal one pod at a time; Parallel does both at
 * once. RollingUpdate replaces out-of-date pods from the highest ordinal down to the partition,
 * one at a time. Failed pods are deleted and recreated. volumeClaimTemplates are not supported:
 * a Warning event says so.
 */
import type { Logger } from 'pino';
import { podTemplateHash, type Clock, type KubeObject, type Pod, type StatefulSet, type StatefulSetStatus } from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { errorMessage, isAlreadyExists, isConflict, isNotFound, semanticEqual } from '../util/objects.js';
import { enqueueOwnerHandlers, ownedBy, podFromTemplate } from '../util/owned.js';
import { isPodAvailable, isPodReady } from '../util/pods.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

export interface StatefulSetControllerDeps {
  api: ApiLike;
  statefulsets: Cache<StatefulSet>;
  pods: Cache<Pod>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

/** The ordinal of a pod named `<sts>-<n>`, or undefined. */
export function ordinalOf(sts: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${sts.metadata.name ?? ''}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

export function updateRevision(sts: StatefulSet): string {
  return `${sts.metadata.name ?? ''}-${podTemplateHash(sts.spec.template)}`;
}

/** The pod of ordinal `i`: stable name, hostname, subdomain and identity labels. */
export function statefulPod(sts: StatefulSet, i: number, revision: string): Pod {
  const name = `${sts.metadata.name ?? ''}-${i}`;
  const pod = podFromTemplate(sts, 'apps/v1', 'StatefulSet', sts.spec.template, { name }, { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(i), [REVISION_LABEL]: revision });
  pod.spec.hostname = name;
  if (sts.spec.serviceName) pod.spec['subdomain'] = sts.spec.serviceName;
  return pod;
}

const runningAndReady = (p: Pod): boolean => p.status?.phase === 'Running' && isPodReady(p);

export class StatefulSetController implements Controller {
  readonly name = 'statefulset-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  private readonly warned = new Set<string>();

  constructor(private readonly d: StatefulSetControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.statefulsets, d.pods];
    d.statefulsets.addHandlers({ add: (x) => this.queue.add(objectKey(x)), update: (_o, x) => this.queue.add(objectKey(x)) });
    d.pods.addHandlers(enqueueOwnerHandlers<Pod>(d.statefulsets as Cache<KubeObject>, 'StatefulSet', this.queue));
  }

  async reconcile(key: string): Promise<void> {
    const sts = this.d.statefulsets.get(key);
    if (!sts) {
      this.warned.delete(key);
      return;
    }
    const revision = updateRevision(sts);
    const pods = ownedBy(this.d.pods.list(), sts);
    const byOrdinal = new Map<number, Pod>();
    for (const p of pods) {
      const i = ordinalOf(sts, p);
      if (i !== undefined) byOrdinal.set(i, p);
    }
    let manageError: unknown;
    if (!sts.metadata.deletionTimestamp) {
      try {
        await this.manage(sts, revision, byOrdinal);
      } catch (err) {
        manageError = err;
      }
    }
    await this.writeStatus(sts, this.status(sts, revision, pods));
    if (manageError !== undefined) throw manageError;
  }

  private async manage(sts: StatefulSet, revision: string, byOrdinal: Map<number, Pod>): Promise<void> {
    const replicas = sts.spec.replicas ?? 1;
    const ordered = (sts.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
    // Failed pods go first; they are recreated on a later pass.
    for (const [i, p] of byOrdinal) {
      if (p.status?.phase === 'Failed' && !p.metadata.deletionTimestamp) {
        await this.deletePod(sts, p);
        byOrdinal.delete(i);
        if (ordered) return;
      }
    }
    for (let i = 0; i < replicas; i++) {
      const p = byOrdinal.get(i);
      if (!p) {
        await this.createPod(sts, i, revision);
        if (ordered) return;
        continue;
      }
      if (ordered && (p.metadata.deletionTimestamp || !runningAndReady(p))) return;
    }
    // Scale down: highest ordinal first.
    const condemned = [...byOrdinal.keys()].filter((i) => i >= replicas).sort((a, b) => b - a);
    if (condemned.length > 0) {
      if (ordered) {
        if (condemned.some((i) => byOrdinal.get(i)!.metadata.deletionTimestamp)) return;
        await this.deletePod(sts, byOrdinal.get(condemned[0]!)!);
        return;
      }
      for (const i of condemned) {
        const p = byOrdinal.get(i)!;
        if (!p.metadata.deletionTimestamp) await this.deletePod(sts, p);
      }
      return;
    }
    // Rolling update from the highest ordinal down to the partition, one pod at a time.
    if ((sts.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const partition = sts.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let i = replicas - 1; i >= partition; i--) {
      const p = byOrdinal.get(i);
      if (!p || p.metadata.deletionTimestamp) return;
      if (p.metadata.labels?.[REVISION_LABEL] !== revision) {
        await this.deletePod(sts, p);
        return;
      }
      if (!runningAndReady(p)) return;
    }
  }

  private async createPod(sts: StatefulSet, i: number, revision: string): Promise<void> {
    const pod = statefulPod(sts, i, revision);
    if ((sts.spec.volumeClaimTemplates ?? []).length > 0 && !this.warned.has(objectKey(sts))) {
      this.warned.add(objectKey(sts));
      this.d.recorder.event(sts, 'Warning', 'VolumeClaimTemplatesIgnored', 'volumeClaimTemplates are not supported by kubelab; pods get no PersistentVolumeClaims');
    }
    try {
      await this.d.api.create('pods', pod, sts.metadata.namespace ?? 'default');
      this.d.recorder.event(sts, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (err) {
      if (isAlreadyExists(err)) return; // the informer has not shown it yet
      this.d.recorder.event(sts, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async deletePod(sts: StatefulSet, p: Pod): Promise<void> {
    try {
      await this.d.api.delete('pods', p.metadata.namespace ?? '', p.metadata.name ?? '', { preconditionUid: p.metadata.uid });
      this.d.recorder.event(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.d.recorder.event(sts, 'Warning', 'FailedDelete', `delete Pod ${p.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${errorMessage(err)}`);
      throw err;
    }
  }

  private status(sts: StatefulSet, revision: string, pods: Pod[]): StatefulSetStatus {
    const live = pods.filter((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
    const minReady = sts.spec.minReadySeconds ?? 0;
    const now = this.d.clock.now();
    const updated = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision).length;
    const replicas = sts.spec.replicas ?? 1;
    let currentRevision = sts.status?.currentRevision ?? revision;
    const ready = live.filter(isPodReady).length;
    if (updated === live.length && ready === replicas && live.length === replicas) currentRevision = revision;
    const s: StatefulSetStatus = { replicas: live.length };
    if (sts.metadata.generation) s.observedGeneration = sts.metadata.generation;
    s.readyReplicas = ready;
    s.currentReplicas = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length;
    s.updatedReplicas = updated;
    s.availableReplicas = live.filter((p) => isPodAvailable(p, minReady, now)).length;
    s.currentRevision = currentRevision;
    s.updateRevision = revision;
    s.collisionCount = 0;
    return s;
  }

  private async writeStatus(sts: StatefulSet, status: StatefulSetStatus): Promise<void> {
    if (semanticEqual(sts.status, status)) return;
    try {
      await this.d.api.updateStatus('statefulsets', { ...sts, status });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const fresh = await this.d.api.get<StatefulSet>('statefulsets', sts.metadata.namespace ?? '', sts.metadata.name ?? '');
      await this.d.api.updateStatus('statefulsets', { ...fresh, status });
    }
  }
}
