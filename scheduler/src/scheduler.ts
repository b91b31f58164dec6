/**
 * The scheduling loop: informer handlers keep the scheduler cache (cache.ts) and queue unbound
 * pods of this scheduler; a worker takes a pod, asks the pure algorithm for a node against the
 * cache as it is, assumes the pod there (synchronously, so the next decision sees it) and sends
 * the bind without waiting for it (upstream's assume-then-bind: binds are pipelined, up to
 * bindsInFlight at once, those of one turn in one call: binder.ts; a failed bind forgets the
 * assumption and retries the pod). A pod that
 * fits nowhere gets a FailedScheduling event and PodScheduled=False/Unschedulable, and is
 * retried with back-off and whenever nodes change or a bound pod goes away.
 */
import type { Logger } from 'pino';
import { ApiError } from '@kubelab/proto';
import { canonical, rfc3339, type Clock, type KubeObject, type Node, type Pod, type PodCondition } from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { Cache, KeyQueue, SchedulerApi } from './api.js';
import { findPlacement } from './algorithm.js';
import { SchedulerCache } from './cache.js';
import { Binder } from './binder.js';
import { DEFAULT_BINDS_IN_FLIGHT } from './config.js';
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
  /** Binds sent and not yet answered, at most (default 64); the next decision waits for a slot. */
  bindsInFlight?: number;
  /** Binds of one turn sent in one BindMany call, at most (default 32; binder.ts). */
  bindsPerCall?: number;
  /** percentageOfNodesToScore (default: adaptive, as upstream). */
  percentageOfNodesToScore?: number;
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
  readonly cache: SchedulerCache;
  private readonly schedulerName: string;
  private readonly unschedulable = new Set<string>();
  private readonly attempts = new Map<string, number>();
  private readonly binds = new Set<Promise<void>>();
  /** Decisions waiting for a free bind slot (woken one per answered bind). */
  private slotWaiters: (() => void)[] = [];
  private nextStart = 0;
  private readonly binder: Binder;

  constructor(private readonly d: SchedulerDeps) {
    this.queue = d.queue;
    this.binder = new Binder(d.api, d.bindsPerCall);
    this.caches = [d.pods, d.nodes, ...(d.volumes?.caches ?? [])];
    d.volumes?.onChange((waiting) => {
      for (const k of waiting) this.queue.add(k);
      this.retryUnschedulable('volumes changed');
    });
    this.cache = new SchedulerCache(d.clock);
    this.schedulerName = d.schedulerName ?? DEFAULT_SCHEDULER;
    for (const n of d.nodes.list()) this.cache.setNode(n);
    for (const p of d.pods.list()) this.cache.updatePod(objectKey(p), p);
    d.pods.addHandlers({
      add: (p) => this.onPod(p),
      update: (old, p) => this.onPod(p, old),
      delete: (p) => {
        const key = objectKey(p);
        this.cache.deletePod(key);
        d.volumes?.forget(key);
        this.unschedulable.delete(key);
        this.attempts.delete(key);
        if (p.spec.nodeName) this.retryUnschedulable('pod deleted');
      },
    });
    d.nodes.addHandlers({
      add: (n) => {
        this.cache.setNode(n);
        this.retryUnschedulable('node added');
      },
      update: (old, n) => {
        this.cache.setNode(n);
        if (nodeSchedulingChanged(old, n)) this.retryUnschedulable('node changed');
      },
      delete: (n) => this.cache.deleteNode(n.metadata.name ?? ''),
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
    this.cache.updatePod(key, p);
    if (p.spec.nodeName) {
      this.unschedulable.delete(key);
      this.attempts.delete(key);
      const done = (x?: Pod): boolean => x?.status?.phase === 'Succeeded' || x?.status?.phase === 'Failed';
      if (old && done(p) && !done(old)) this.retryUnschedulable('pod finished');
      return;
    }
    if (!this.responsibleFor(p)) return;
    // Our own status write on an unschedulable pod is no reason to try again at once.
    if (old && this.unschedulable.has(key) && same(old.spec, p.spec) && same(old.metadata.labels, p.metadata.labels))
      return;
    this.queue.add(key);
  }

  private retryUnschedulable(why: string): void {
    if (this.unschedulable.size === 0) return;
    this.d.log.debug({ pods: this.unschedulable.size, why }, 'retrying unschedulable pods');
    for (const key of this.unschedulable) this.queue.add(key);
    this.unschedulable.clear();
  }

  /** Resolves once every bind sent so far has been answered (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.binds.size > 0) await Promise.all([...this.binds]);
  }

  /** Schedules one pod (the queue key "namespace/name"); returns once its bind is sent. */
  async reconcile(key: string): Promise<void> {
    while (this.binds.size >= (this.d.bindsInFlight ?? DEFAULT_BINDS_IN_FLIGHT))
      await new Promise<void>((r) => this.slotWaiters.push(r));
    const began = performance.now();
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
      this.cache.assume(key, pod, waiting.node);
      this.queue.addAfter(key, 1000);
      return;
    }
    if (waiting?.state === 'ready') return this.sendBind(key, pod, waiting.node, began);
    if (waiting?.state === 'failed') {
      this.cache.forget(key);
      this.d.recorder.event(
        pod,
        'Warning',
        'FailedScheduling',
        `running PreBind plugin "VolumeBinding": ${waiting.message}`,
      );
      this.retryLater(key, this.d.maxBackoffMs ?? 10_000);
      return;
    }
    if (this.cache.isAssumed(key)) return; // a bind is in flight
    const refused = vols?.preFilter(pod);
    if (refused) return this.unschedulableNow(key, pod, `0/${this.cache.nodeCount} nodes are available: ${refused}.`);
    const claims = vols !== undefined && podClaimNames(pod).length > 0;
    const snapshot = this.cache.snapshot();
    const { result, processed } = findPlacement(
      pod,
      snapshot,
      claims ? [...DEFAULT_FILTERS, vols.filter] : DEFAULT_FILTERS,
      { start: this.nextStart, percentage: this.d.percentageOfNodesToScore },
    );
    if (snapshot.nodes.length > 0) this.nextStart = (this.nextStart + processed) % snapshot.nodes.length;
    if ('error' in result) return this.unschedulableNow(key, pod, result.error);
    // Assume before the first await: the next decision must see this pod on its node.
    this.cache.assume(key, pod, result.node);
    if (claims) {
      let ready: boolean;
      try {
        ready = await vols.assume(key, pod, result.node);
      } catch (err) {
        this.cache.forget(key);
        this.d.recorder.event(
          pod,
          'Warning',
          'FailedScheduling',
          `running PreBind plugin "VolumeBinding": binding volumes: ${ApiError.from(err).message}`,
        );
        this.retryLater(key, this.d.maxBackoffMs ?? 10_000);
        return;
      }
      if (!ready) {
        this.queue.addAfter(key, 1000);
        return;
      }
    }
    this.sendBind(key, pod, result.node, began);
  }

  /** Sends the bind and returns; the answer is handled when it comes (flush() waits for them). */
  private sendBind(key: string, pod: Pod, node: string, began: number): void {
    const p = this.bindTo(key, pod, node, began, performance.now() - began);
    this.binds.add(p);
    void p.finally(() => {
      this.binds.delete(p);
      this.slotWaiters.shift()?.();
    });
  }

  private async bindTo(key: string, pod: Pod, node: string, began: number, attemptMs: number): Promise<void> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    try {
      await this.binder.bind(ns, name, node, pod.metadata.uid ?? '');
    } catch (err) {
      this.cache.forget(key);
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
    this.d.log.info(
      { pod: key, node, attemptMs: +attemptMs.toFixed(3), bindMs: +(performance.now() - began - attemptMs).toFixed(3) },
      'bound',
    );
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
    const cond: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      lastTransitionTime:
        cur?.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339(this.d.clock.now()),
      reason: 'Unschedulable',
      message,
    };
    const status = {
      ...(pod.status ?? {}),
      phase: pod.status?.phase ?? 'Pending',
      conditions: [...conds.filter((c) => c.type !== 'PodScheduled'), cond],
    };
    try {
      await this.d.api.updateStatus('pods', { ...pod, status });
    } catch (err) {
      const e = ApiError.from(err);
      if (e.reason !== 'NotFound' && e.reason !== 'Conflict')
        this.d.log.warn({ pod: key, err: e.message }, 'could not record PodScheduled=False');
    }
  }
}
