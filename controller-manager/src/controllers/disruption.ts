/**
 * The disruption controller: computes each PodDisruptionBudget's status as upstream does, which
 * the eviction subresource (and so `kubectl drain`) then spends. expectedPods is the number of
 * selected pods for an integer minAvailable, else the replicas of the pods' controllers
 * (Deployment through its ReplicaSet, ReplicaSet, StatefulSet; an unmanaged pod counts as one);
 * desiredHealthy follows minAvailable / maxUnavailable (percentages rounded up); currentHealthy
 * counts Ready pods that are not being deleted and not in status.disruptedPods (evictions not yet
 * seen through: dropped once the pod is deleted, or after 2 minutes).
 */
import type { Logger } from 'pino';
import {
  fromLabelSelector,
  matches,
  rfc3339,
  type Clock,
  type Deployment,
  type KubeObject,
  type Pod,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
  type ReplicaSet,
  type StatefulSet,
} from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { controllerRef, isNotFound, semanticEqual } from '../util/objects.js';
import { isPodReady } from '../util/pods.js';
import { OnceEvents } from '../util/onceevents.js';

/** How long an eviction waits in disruptedPods for its pod to be deleted (upstream: 2 minutes). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

export interface DisruptionDeps {
  api: ApiLike;
  budgets: Cache<PodDisruptionBudget>;
  pods: Cache<Pod>;
  replicasets: Cache<ReplicaSet>;
  deployments: Cache<Deployment>;
  statefulsets: Cache<StatefulSet>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

/** An int, or a percentage of `total` rounded up. */
export function scaledValue(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  return m ? Math.ceil((Number(m[1]) * total) / 100) : 0;
}

export class DisruptionController implements Controller {
  readonly name = 'disruption-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  private readonly once: OnceEvents;

  constructor(private readonly d: DisruptionDeps) {
    this.queue = d.queue;
    this.caches = [d.budgets, d.pods, d.replicasets, d.deployments, d.statefulsets];
    this.once = new OnceEvents(d.recorder);
    const budget = (b: PodDisruptionBudget): void => this.queue.add(objectKey(b));
    d.budgets.addHandlers({ add: budget, update: (_o, b) => budget(b) });
    const pod = (p: Pod): void => {
      for (const b of d.budgets.list())
        if (b.metadata.namespace === p.metadata.namespace && this.selects(b, p)) this.queue.add(objectKey(b));
    };
    d.pods.addHandlers({
      add: pod,
      update: (o, p) => {
        pod(p);
        if (o.metadata.labels !== p.metadata.labels) pod(o);
      },
      delete: pod,
    });
    const scaled = (o: KubeObject): void => {
      for (const b of d.budgets.list()) if (b.metadata.namespace === o.metadata.namespace) this.queue.add(objectKey(b));
    };
    for (const c of [d.replicasets, d.deployments, d.statefulsets] as Cache<KubeObject>[])
      c.addHandlers({ update: (_o, x) => scaled(x) });
  }

  private selects(b: PodDisruptionBudget, p: Pod): boolean {
    const sel = fromLabelSelector(b.spec?.selector);
    return sel.length > 0 && matches(sel, p.metadata.labels);
  }

  /** The replicas of the controller of a pod (a Deployment's for its ReplicaSets), or undefined. */
  private scaleOf(p: Pod): { key: string; replicas: number } | undefined {
    const ref = controllerRef(p);
    const ns = p.metadata.namespace ?? '';
    if (!ref) return undefined;
    if (ref.kind === 'StatefulSet') {
      const s = this.d.statefulsets.get(`${ns}/${ref.name}`);
      return s && s.metadata.uid === ref.uid
        ? { key: `sts/${s.metadata.uid}`, replicas: s.spec.replicas ?? 1 }
        : undefined;
    }
    if (ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.d.replicasets.get(`${ns}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    const dref = controllerRef(rs);
    const dep = dref?.kind === 'Deployment' ? this.d.deployments.get(`${ns}/${dref.name}`) : undefined;
    if (dep && dep.metadata.uid === dref?.uid)
      return { key: `deploy/${dep.metadata.uid}`, replicas: dep.spec.replicas ?? 1 };
    return { key: `rs/${rs.metadata.uid}`, replicas: rs.spec.replicas ?? 1 };
  }

  private expectedScale(pdb: PodDisruptionBudget, pods: Pod[]): number {
    const seen = new Map<string, number>();
    let unmanaged = 0;
    for (const p of pods) {
      const s = this.scaleOf(p);
      if (s) seen.set(s.key, s.replicas);
      else unmanaged++;
    }
    if (unmanaged > 0) {
      this.once.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec.selector ?? {})}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    return [...seen.values()].reduce((a, b) => a + b, 0) + unmanaged;
  }

  async reconcile(key: string): Promise<void> {
    const pdb = this.d.budgets.get(key);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const pods = this.d.pods
      .list()
      .filter((p) => p.metadata.namespace === pdb.metadata.namespace && this.selects(pdb, p));
    const now = this.d.clock.now();
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    let expected: number;
    let desired: number;
    if (maxUnavailable !== undefined) {
      expected = this.expectedScale(pdb, pods);
      desired = Math.max(0, expected - scaledValue(maxUnavailable, expected));
    } else if (typeof minAvailable === 'number') {
      expected = pods.length;
      desired = minAvailable;
    } else if (typeof minAvailable === 'string') {
      expected = this.expectedScale(pdb, pods);
      desired = scaledValue(minAvailable, expected);
    } else {
      expected = pods.length;
      desired = pods.length; // upstream's default: minAvailable 100 %
    }
    const disrupted: Record<string, string> = {};
    let nextExpiry: number | undefined;
    for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
      const p = pods.find((x) => x.metadata.name === name);
      const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
      if (!p || p.metadata.deletionTimestamp || !(expires > now)) continue;
      disrupted[name] = at;
      nextExpiry = Math.min(nextExpiry ?? expires, expires);
    }
    const healthy = pods.filter(
      (p) => !p.metadata.deletionTimestamp && isPodReady(p) && !(p.metadata.name! in disrupted),
    ).length;
    const allowed = expected <= 0 ? 0 : Math.max(0, healthy - desired);
    const status = this.status(
      pdb,
      {
        disruptionsAllowed: allowed,
        currentHealthy: healthy,
        desiredHealthy: desired,
        expectedPods: expected,
        disruptedPods: disrupted,
      },
      now,
    );
    if (!semanticEqual(status, pdb.status)) {
      try {
        await this.d.api.updateStatus('poddisruptionbudgets', { ...pdb, status });
      } catch (err) {
        // A conflict means an eviction wrote first: the retry looks again with fresh data.
        if (!isNotFound(err)) throw err;
      }
    }
    if (nextExpiry !== undefined) this.queue.addAfter(key, Math.max(100, nextExpiry - now));
  }

  private status(
    pdb: PodDisruptionBudget,
    s: Omit<PodDisruptionBudgetStatus, 'observedGeneration' | 'conditions'>,
    now: number,
  ): PodDisruptionBudgetStatus {
    const ok = s.disruptionsAllowed > 0;
    const prev = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
    const status = ok ? 'True' : 'False';
    const cond = {
      type: 'DisruptionAllowed',
      status: status as 'True' | 'False',
      reason: ok ? 'SufficientPods' : 'InsufficientPods',
      message: '',
      observedGeneration: pdb.metadata.generation ?? 1,
      lastTransitionTime: prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
    };
    const out: PodDisruptionBudgetStatus = {
      ...s,
      observedGeneration: pdb.metadata.generation ?? 1,
      conditions: [cond],
    };
    if (Object.keys(s.disruptedPods ?? {}).length === 0) delete out.disruptedPods;
    return out;
  }
}
