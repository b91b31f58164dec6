/**
 * Pod workers: the informer's handlers, Docker events, back-off timers, housekeeping and a
 * periodic resync only enqueue pod uids; reconcile(uid) re-reads the cache and the runtime and
 * syncs, terminates or cleans up that one pod. The WorkQueue never hands a uid to two workers.
 */
import type { Logger } from 'pino';
import type { Clock, Pod } from '@kubelab/api';
import { Backoff, WorkQueue, sleep, waitForCacheSync } from '@kubelab/client';
import { errMessage, isReason, type KubeletApi, type PodSource } from './api.js';
import { gracePeriodOf } from './podspec.js';
import { LABELS, type ContainerRuntime, type RuntimeContainer } from './runtime/runtime.js';
import { computePodStatus, runningSandbox } from './status.js';
import type { ProbeManager } from './probes/manager.js';
import type { StatusManager } from './statusmanager.js';
import type { PodSyncer } from './pod/syncer.js';

export interface PodWorkersOptions {
  api: KubeletApi;
  pods: PodSource;
  runtime: ContainerRuntime;
  syncer: PodSyncer;
  status: StatusManager;
  clock: Clock;
  log: Logger;
  cluster: string;
  node: string;
  network: string;
  hostIP: string;
  workers: number;
  resyncMs: number;
  orphanGraceSeconds: number;
  /** Prober workers (liveness/readiness/startup); without it probes are not run. */
  probes?: ProbeManager;
}

/**
 * True when an update changed nothing but the status (and the bookkeeping that goes with it).
 * Like upstream's kubelet, such updates (mostly this kubelet's own status writes) start no sync:
 * the status manager owns the status, and the periodic resync catches anything else.
 */
export function statusOnlyChange(old: Pod, cur: Pod): boolean {
  const strip = (p: Pod): string => {
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = p.metadata;
    return JSON.stringify({ meta, spec: p.spec });
  };
  return strip(old) === strip(cur);
}

export class PodWorkers {
  readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly log: Logger;

  constructor(private readonly o: PodWorkersOptions) {
    this.log = o.log.child({ part: 'podworkers' });
    o.pods.addHandlers({
      add: (p) => this.enqueue(p),
      update: (old, p) => {
        if (!statusOnlyChange(old, p)) this.enqueue(p);
      },
      delete: (p) => this.enqueue(p),
    });
  }

  private enqueue(p: Pod): void {
    if (p.metadata.uid) this.queue.add(p.metadata.uid);
  }

  /** Sync the pod again after ms; an earlier pending request wins. */
  schedule(uid: string, ms: number): void {
    const at = Date.now() + ms;
    const cur = this.timers.get(uid);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.timer);
    if (ms <= 0) {
      this.timers.delete(uid);
      this.queue.add(uid);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(uid);
      this.queue.add(uid);
    }, ms);
    timer.unref();
    this.timers.set(uid, { at, timer });
  }

  /** Milliseconds until the sync scheduled for the pod, if one is. */
  scheduledIn(uid: string): number | undefined {
    const t = this.timers.get(uid);
    return t ? Math.max(0, t.at - Date.now()) : undefined;
  }

  resyncAll(): void {
    for (const p of this.o.pods.list()) this.enqueue(p);
  }

  private labelsOf(uid: string): Record<string, string> {
    return { [LABELS.cluster]: this.o.cluster, [LABELS.node]: this.o.node, [LABELS.podUid]: uid };
  }

  /** Brings the runtime in line with the pod of that uid (or its absence). */
  async reconcile(uid: string): Promise<void> {
    if (!this.o.pods.hasSynced()) throw new Error('pod cache not synced yet');
    const pod = this.o.pods.list().find((p) => p.metadata.uid === uid);
    const containers = await this.o.runtime.listPodContainers(this.labelsOf(uid));
    if (!pod) {
      if (containers.length > 0) {
        const first = containers[0]!;
        this.log.info(
          { pod: `${first.podNamespace}/${first.podName}`, uid, containers: containers.length },
          'pod no longer exists; removing its containers',
        );
        await this.o.syncer.killPod(containers, this.o.orphanGraceSeconds);
      }
      this.forget(uid);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      await this.terminate(pod, uid, containers);
      return;
    }
    const result = await this.o.syncer.syncPod(pod, containers);
    // Before the status write, which fails while the apiserver is away: a back-off restart stays on time.
    if (result.requeueAfterMs !== undefined) this.schedule(uid, result.requeueAfterMs);
    const after = await this.o.runtime.listPodContainers(this.labelsOf(uid));
    this.o.probes?.sync(pod, after, runningSandbox(after)?.networks[this.o.network]);
    const probes = this.o.probes?.view(uid);
    await this.o.status.sync(pod, (current) =>
      computePodStatus({
        pod: current,
        containers: after,
        waiting: result.waiting,
        hostIP: this.o.hostIP,
        network: this.o.network,
        now: this.o.clock.now(),
        ...(probes ? { probes } : {}),
      }),
    );
  }

  /** Graceful deletion: stop with the grace period, remove everything, then delete the pod for good. */
  private async terminate(pod: Pod, uid: string, containers: RuntimeContainer[]): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const grace = pod.metadata.deletionGracePeriodSeconds ?? gracePeriodOf(pod);
    this.o.probes?.removePod(uid);
    if (containers.length > 0) {
      this.log.info({ pod: `${ns}/${name}`, uid, gracePeriodSeconds: grace }, 'killing pod');
      await this.o.syncer.killPod(containers, grace, pod);
    }
    try {
      await this.o.api.delete('pods', ns, name, { gracePeriodSeconds: 0, preconditionUid: uid });
      this.log.info({ pod: `${ns}/${name}`, uid }, 'pod deleted');
    } catch (err) {
      // Gone already, or the name now belongs to a newer pod.
      if (!isReason(err, 'NotFound', 'Conflict')) throw err;
    }
    this.forget(uid);
  }

  private forget(uid: string): void {
    this.o.probes?.removePod(uid);
    this.o.syncer.forget(uid);
    this.o.status.forget(uid);
    const t = this.timers.get(uid);
    if (t) clearTimeout(t.timer);
    this.timers.delete(uid);
  }

  /** Docker events → immediate resync of the pod; a broken stream reconnects and resyncs all. */
  private async watchRuntime(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(500, 10_000);
    while (!signal.aborted) {
      try {
        for await (const ev of this.o.runtime.events(signal)) {
          backoff.reset();
          if (ev.podUid) this.queue.add(ev.podUid);
        }
        if (signal.aborted) return;
        throw new Error('event stream ended');
      } catch (err) {
        if (signal.aborted) return;
        const wait = backoff.next();
        this.log.warn({ err: errMessage(err), retryInMs: wait }, 'runtime events: reconnecting');
        await sleep(wait, signal);
        this.resyncAll();
      }
    }
  }

  private async resyncLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.resyncAll();
      await sleep(this.o.resyncMs, signal);
    }
  }

  /** Runs until the signal aborts; waits for the pod cache first. Containers are left running. */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForCacheSync([this.o.pods], signal))) return;
    this.log.info({ pods: this.o.pods.list().length }, 'pod cache synced; starting pod workers');
    try {
      await Promise.all([
        this.watchRuntime(signal),
        this.resyncLoop(signal),
        this.queue.run(this.o.workers, (uid) => this.reconcile(uid), signal, this.log),
      ]);
    } finally {
      for (const t of this.timers.values()) clearTimeout(t.timer);
      this.timers.clear();
    }
  }
}
