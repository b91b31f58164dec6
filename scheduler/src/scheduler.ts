/**
 * The scheduling loop: informer handlers queue unbound pods of this scheduler; a worker takes
 * a pod, builds a snapshot (bound pods + assumed ones), asks the pure algorithm for a node,
 * assumes the pod there (synchronously, so concurrent workers see it) and binds it. A pod that
 * fits nowhere gets a FailedScheduling event and PodScheduled=False/Unschedulable, and is
 * retried with back-off and whenever nodes change or a bound pod goes away.
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import { canonical, rfc3339, type Clock, type KubeObject, type Node, type Pod, type PodCondition } from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { Cache, KeyQueue, SchedulerApi } from './api.js';
import { buildSnapshot, schedule } from './algorithm.js';
import { AssumedPods } from './assumed.js';
import { DEFAULT_FILTERS } from './filters.js';
import type { VolumeBinder } from './volumebinder.js';
import { podClaimNames } from './volumebinding.js';

export const DEFAULT_SCHEDULER = 'default-scheduler';

export interface SchedulerDeps {
  api: SchedulerApi;
  pods: Cache<Pod>;
  nodes: Cache<Node>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  schedulerName?: string;
  /** Retry back-off: initial, maximum after a failed bind (upstream: 1 s, 10 s), and maximum for pods that fit nowhere (default 60 s; node and pod changes retry them at once). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableBackoffMs?: number;
  /** The VolumeBinding plugin (persistentVolumeClaim volumes); without it claims are not looked at. */
  volumes?: VolumeBinder;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** Node changes that can make an unschedulable pod fit (not every heartbeat). */
export function nodeSchedulingChanged(old: Node, cur: Node): boolean {
  const ready = (n: Node): string | undefined => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    !!old.spec?.unschedulable !== !!cur.spec?.unschedulable ||
    !same(old.spec?.taints, cur.spec?.taints) ||
    !same(old.metadata.labels, cur.metadata.labels) ||
    !same(old.status?.allocatable, cur.status?.allocatable) ||
    ready(old) !== ready(cur)
  );
}

export class Scheduler {
  readonly name = 'scheduler';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  readonly assumed: AssumedPods;
  private readonly schedulerName: string;
  private readonly unschedulable = new Set<string>();
  private readonly attempts = new Map<string, number>();

  constructor(private readonly d: SchedulerDeps) {
    this.queue = d.queue;
    this.caches = [d.pods, d.nodes, ...(d.volumes?.caches ?? [])];
    d.volumes?.onChange((waiting) => {
      for (const k of waiting) this.queue.add(k);
      this.retryUnschedulable('volumes changed');
    });
    this.assumed = new AssumedPods(d.clock);
    this.schedulerName = d.schedulerName ?? DEFAULT_SCHEDULER;
    d.pods.addHandlers({
      add: (p) => this.onPod(p),
      update: (old, p) => this.onPod(p, old),
      delete: (p) => {
        const key = objectKey(p);
        this.assumed.forget(key);
        d.volumes?.forget(key);
        this.unschedulable.delete(key);
        this.attempts.delete(key);
        if (p.spec.nodeName) this.retryUnschedulable('pod deleted');
      },
    });
    d.nodes.addHandlers({
      add: () => this.retryUnschedulable('node added'),
      update: (old, n) => {
        if (nodeSchedulingChanged(old, n)) this.retryUnschedulable('node changed');
      },
    });
  }

  /** Unbound, not being deleted, not finished, and addressed to this scheduler. */
  responsibleFor(p: Pod): boolean {
    if (p.spec.nodeName || p.metadata.deletionTimestamp) return false;
    if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') return false;
    return ((p.spec.schedulerName as string | undefined) || DEFAULT_SCHEDULER) === this.schedulerName;
  }

  private onPod(p: Pod, old?: Pod): void {
    const key = objectKey(p);
    if (p.spec.nodeName) {
      this.assumed.observed(key, p);
      this.unschedulable.delete(key);
      this.attempts.delete(key);
      const done = (x?: Pod): boolean => x?.status?.phase === 'Succeeded' || x?.status?.phase === 'Failed';
      if (old && done(p) && !done(old)) this.retryUnschedulable('pod finished');
      return;
    }
    if (!this.responsibleFor(p)) return;
    // Our own status write on an unschedulable pod is no reason to try again at once.
    if (old && this.unschedulable.has(key) && same(old.spec, p.spec) && same(old.metadata.labels, p.metadata.labels)) return;
    this.queue.add(key);
  }

  private retryUnschedulable(why: string): void {
    if (this.unschedulable.size === 0) return;
    this.d.log.debug({ pods: this.unschedulable.size, why }, 'retrying unschedulable pods');
    for (const key of this.unschedulable) this.queue.add(key);
    this.unschedulable.clear();
  }

  /** Schedules one pod (the queue key "namespace/name"). */
  async reconcile(key: string): Promise<void> {
    const pod = this.d.pods.get(key);
    if (!pod || !this.responsibleFor(pod)) {
      this.unschedulable.delete(key);
      this.attempts.delete(key);
      this.d.volumes?.forget(key);
      return;
    }
    const vols = this.d.volumes;
    const waiting = vols?.poll(key, pod);
    if (waiting?.state === 'waiting') {
      this.assumed.assume(key, pod, waiting.node);
      this.queue.addAfter(key, 1000);
      return;
    }
    if (waiting?.state === 'ready') return this.bindTo(key, pod, waiting.node);
    if (waiting?.state === 'failed') {
      this.assumed.forget(key);
      this.d.recorder.event(pod, 'Warning', 'FailedScheduling', `running PreBind plugin "VolumeBinding": ${waiting.message}`);
      this.retryLater(key, this.d.maxBackoffMs ?? 10_000);
      return;
    }
    if (this.assumed.has(key)) return; // a bind is in flight
    const nodes = this.d.nodes.list();
    const refused = vols?.preFilter(pod);
    if (refused) return this.unschedulableNow(key, pod, `0/${nodes.length} nodes are available: ${refused}.`);
    const bound = this.d.pods.list().filter((p) => p.spec.nodeName);
    const extra = this.assumed.pending((k) => !!this.d.pods.get(k)?.spec.nodeName);
    const result = schedule(pod, buildSnapshot(nodes, [...bound, ...extra]), vols ? [...DEFAULT_FILTERS, vols.filter] : DEFAULT_FILTERS);
    if ('error' in result) return this.unschedulableNow(key, pod, result.error);
    // Assume before the first await: concurrent workers must see this pod on its node.
    this.assumed.assume(key, pod, result.node);
    if (vols && podClaimNames(pod).length > 0) {
      let ready: boolean;
      try {
        ready = await vols.assume(key, pod, result.node);
      } catch (err) {
        this.assumed.forget(key);
        this.d.recorder.event(pod, 'Warning', 'FailedScheduling', `running PreBind plugin "VolumeBinding": binding volumes: ${ApiError.from(err).message}`);
        this.retryLater(key, this.d.maxBackoffMs ?? 10_000);
        return;
      }
      if (!ready) {
        this.queue.addAfter(key, 1000);
        return;
      }
    }
    return this.bindTo(key, pod, result.node);
  }

  private async bindTo(key: string, pod: Pod, node: string): Promise<void> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    try {
      await this.d.api.bind(ns, name, node, pod.metadata.uid ?? '');
    } catch (err) {
      this.assumed.forget(key);
      const e = ApiError.from(err);
      if (e.reason === 'NotFound' || e.reason === 'Conflict') {
        this.d.log.info({ pod: key, reason: e.reason, err: e.message }, 'bind refused; pod gone or already bound');
        return;
      }
      this.d.recorder.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${e.message}`);
      this.retryLater(key, this.d.maxBackoffMs ?? 10_000);
      return;
    }
    this.attempts.delete(key);
    this.unschedulable.delete(key);
    this.d.log.info({ pod: key, node: node }, 'bound');
    this.d.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
  }

  private retryLater(key: string, maxMs: number): void {
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    const base = this.d.initialBackoffMs ?? 1000;
    this.queue.addAfter(key, Math.min(maxMs, base * 2 ** (n - 1)));
  }

  private async unschedulableNow(key: string, pod: Pod, message: string): Promise<void> {
    this.d.log.info({ pod: key, message }, 'unschedulable');
    this.d.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    this.unschedulable.add(key);
    this.retryLater(key, this.d.maxUnschedulableBackoffMs ?? 60_000);
    const conds = pod.status?.conditions ?? [];
    const cur = conds.find((c) => c.type === 'PodScheduled');
    if (cur && cur.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message) return;
    const cond: PodCondition = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: cur?.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339(this.d.clock.now()), reason: 'Unschedulable', message };
    const status = { ...(pod.status ?? {}), phase: pod.status?.phase ?? 'Pending', conditions: [...conds.filter((c) => c.type !== 'PodScheduled'), cond] };
    try {
      await this.d.api.updateStatus('pods', { ...pod, status });
    } catch (err) {
      const e = ApiError.from(err);
      if (e.reason !== 'NotFound' && e.reason !== 'Conflict') this.d.log.warn({ pod: key, err: e.message }, 'could not record PodScheduled=False');
    }
  }
}
