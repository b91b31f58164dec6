/**
 * DaemonSet controller: one pod per Ready, schedulable node that matches the template's
 * nodeSelector and whose taints are tolerated. Pods are created with a required node affinity on
 * metadata.name (the scheduler binds them), surplus and misplaced pods are deleted, failed ones
 * replaced. RollingUpdate replaces out-of-date pods (controller-revision-hash) at most
 * maxUnavailable nodes at a time; OnDelete leaves them. Status counts nodes like upstream.
 */
import type { Logger } from 'pino';
import type { Clock, DaemonSet, DaemonSetStatus, KubeObject, Node, Pod } from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { Expectations } from './expectations.js';
import { ownedPodHandlers } from './owned-pods.js';
import { podKey } from './replicaset-pods.js';
import { daemonPod, REVISION_LABEL, shouldRunOn, targetNode, templateHash } from './daemonset-nodes.js';
import { errorMessage, isConflict, isNotFound, semanticEqual } from '../util/objects.js';
import { ownedBy } from '../util/owned.js';
import { isPodAvailable, isPodReady } from '../util/pods.js';

export interface DaemonSetControllerDeps {
  api: ApiLike;
  daemonsets: Cache<DaemonSet>;
  pods: Cache<Pod>;
  nodes: Cache<Node>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

/** maxUnavailable as a count of `total` nodes (percentages round up, at least 1). */
export function maxUnavailableOf(ds: DaemonSet, total: number): number {
  const v = ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  if (typeof v === 'number') return Math.max(1, v);
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.max(1, Math.ceil((Number(m[1]) * total) / 100)) : 1;
}

export class DaemonSetController implements Controller {
  readonly name = 'daemonset-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  readonly expectations: Expectations;

  constructor(private readonly d: DaemonSetControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.daemonsets, d.pods, d.nodes];
    this.expectations = new Expectations(d.clock);
    d.daemonsets.addHandlers({
      add: (x) => this.queue.add(objectKey(x)),
      update: (_o, x) => this.queue.add(objectKey(x)),
      delete: (x) => this.expectations.delete(objectKey(x)),
    });
    d.pods.addHandlers(ownedPodHandlers(d.daemonsets as Cache<KubeObject>, 'DaemonSet', this.queue, this.expectations));
    const all = (): void => {
      for (const ds of d.daemonsets.list()) this.queue.add(objectKey(ds));
    };
    d.nodes.addHandlers({
      add: all,
      update: (o, n) => {
        if (o.metadata.resourceVersion === n.metadata.resourceVersion) return;
        if (shouldRunChanged(o, n)) all();
      },
      delete: all,
    });
  }

  async reconcile(key: string): Promise<void> {
    const ds = this.d.daemonsets.get(key);
    if (!ds) return;
    const nowMs = this.d.clock.now();
    const hash = templateHash(ds);
    const nodes = this.d.nodes.list();
    const eligible = new Set(nodes.filter((n) => shouldRunOn(ds, n)).map((n) => n.metadata.name ?? ''));
    const pods = ownedBy(this.d.pods.list(), ds).filter((p) => !p.metadata.deletionTimestamp);
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const n = targetNode(p) ?? '';
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    let manageError: unknown;
    if (!ds.metadata.deletionTimestamp && this.expectations.satisfied(key)) {
      try {
        await this.manage(ds, hash, eligible, byNode, nowMs);
      } catch (err) {
        manageError = err;
      }
    }
    await this.writeStatus(ds, this.status(ds, hash, eligible, byNode, nowMs));
    if (manageError !== undefined) throw manageError;
  }

  private async manage(
    ds: DaemonSet,
    hash: string,
    eligible: Set<string>,
    byNode: Map<string, Pod[]>,
    nowMs: number,
  ): Promise<void> {
    const create: string[] = [];
    const remove: Pod[] = [];
    for (const node of eligible) {
      const here = (byNode.get(node) ?? []).filter((p) => p.status?.phase !== 'Failed');
      for (const p of byNode.get(node) ?? []) if (p.status?.phase === 'Failed') remove.push(p);
      if (here.length === 0) create.push(node);
      else if (here.length > 1) {
        // Keep the oldest pod; the rest are surplus.
        const sorted = [...here].sort((a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
        );
        remove.push(...sorted.slice(1));
      }
    }
    for (const [node, ps] of byNode) if (!eligible.has(node)) remove.push(...ps);
    // Rolling update: replace out-of-date pods while few enough nodes are unavailable.
    if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && create.length === 0) {
      const minReady = ds.spec.minReadySeconds ?? 0;
      const current = [...eligible]
        .map((n) => (byNode.get(n) ?? []).find((p) => !remove.includes(p)))
        .filter((p): p is Pod => !!p);
      const old = current.filter((p) => p.metadata.labels?.[REVISION_LABEL] !== hash);
      const unavailable = current.filter((p) => !isPodAvailable(p, minReady, nowMs)).length;
      let budget = maxUnavailableOf(ds, eligible.size) - unavailable;
      // Old pods that are not available anyway go first, without using the budget.
      for (const p of old.filter((p) => !isPodAvailable(p, minReady, nowMs))) remove.push(p);
      for (const p of old.filter((p) => isPodAvailable(p, minReady, nowMs))) {
        if (budget <= 0) break;
        remove.push(p);
        budget--;
      }
    }
    const key = objectKey(ds);
    const errors: unknown[] = [];
    if (create.length > 0) {
      this.expectations.expectCreations(key, create.length);
      await Promise.all(
        create.map(async (node) => {
          try {
            const created = await this.d.api.create(
              'pods',
              daemonPod(ds, node, hash),
              ds.metadata.namespace ?? 'default',
            );
            this.d.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
          } catch (err) {
            this.expectations.creationObserved(key);
            this.d.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
            errors.push(err);
          }
        }),
      );
    }
    const victims = [...new Set(remove)];
    if (victims.length > 0) {
      if (create.length === 0) this.expectations.expectDeletions(key, victims.map(podKey));
      await Promise.all(
        victims.map(async (p) => {
          try {
            await this.d.api.delete('pods', p.metadata.namespace ?? '', p.metadata.name ?? '', {
              preconditionUid: p.metadata.uid,
            });
            this.d.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
          } catch (err) {
            this.expectations.deletionObserved(key, podKey(p));
            if (!isNotFound(err)) errors.push(err);
          }
        }),
      );
    }
    if (errors.length > 0) throw errors[0];
  }

  private status(
    ds: DaemonSet,
    hash: string,
    eligible: Set<string>,
    byNode: Map<string, Pod[]>,
    nowMs: number,
  ): DaemonSetStatus {
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let updated = 0;
    let available = 0;
    const minReady = ds.spec.minReadySeconds ?? 0;
    for (const [node, ps] of byNode) {
      const live = ps.filter((p) => p.status?.phase !== 'Failed');
      if (live.length === 0) continue;
      if (!eligible.has(node)) {
        misscheduled++;
        continue;
      }
      current++;
      if (live.some(isPodReady)) ready++;
      if (live.some((p) => isPodAvailable(p, minReady, nowMs))) available++;
      if (live.some((p) => p.metadata.labels?.[REVISION_LABEL] === hash)) updated++;
    }
    const s: DaemonSetStatus = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: eligible.size,
      numberReady: ready,
    };
    if (ds.metadata.generation) s.observedGeneration = ds.metadata.generation;
    if (updated) s.updatedNumberScheduled = updated;
    if (available) s.numberAvailable = available;
    if (eligible.size - available > 0) s.numberUnavailable = eligible.size - available;
    return s;
  }

  private async writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    if (semanticEqual(ds.status, status)) return;
    try {
      await this.d.api.updateStatus('daemonsets', { ...ds, status });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const fresh = await this.d.api.get<DaemonSet>('daemonsets', ds.metadata.namespace ?? '', ds.metadata.name ?? '');
      await this.d.api.updateStatus('daemonsets', { ...fresh, status });
    }
  }
}

/** Node changes that can change where daemon pods run. */
function shouldRunChanged(a: Node, b: Node): boolean {
  const ready = (n: Node): boolean =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return (
    ready(a) !== ready(b) || !semanticEqual(a.metadata.labels, b.metadata.labels) || !semanticEqual(a.spec, b.spec)
  );
}
