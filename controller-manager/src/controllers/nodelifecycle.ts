/**
 * Node lifecycle controller, a reconcile over node names: each node is looked at when it, its
 * Lease or a pod bound to a missing node changes, and again every period (the reconcile asks to
 * be requeued), as upstream's monitorNodeHealth does. It reads the node's heartbeat (its Lease in
 * kube-node-lease and its Ready condition's lastHeartbeatTime). A node not heard from for the
 * grace period gets its conditions set to Unknown ("Kubelet stopped posting node status.") and
 * its pods marked not ready (so Services drop them). Pods on a node that has stayed not ready for
 * the eviction timeout are deleted with gracePeriodSeconds 0 so their ReplicaSets replace them
 * elsewhere; so are pods bound to a node that no longer exists. Heartbeats are timed with the
 * controller's own clock, from when it saw them change (upstream's probeTimestamp), never from the
 * times a kubelet wrote, so node clock skew does not matter; and every interval it measures
 * (silence, not-ready time, orphans) is on the clock's monotonic reading, as Go's time.Now() is,
 * so a step or skew of the controller-manager's own wall clock (`kubelab chaos clock-skew`)
 * neither marks a node NotReady nor delays noticing a real silence. Only the times it writes
 * (lastTransitionTime) come from the wall clock.
 */
import type { Logger } from 'pino';
import {
  monotonicNow,
  rfc3339,
  type Clock,
  type KubeObject,
  type Lease,
  type Node,
  type NodeCondition,
  type Pod,
} from '@kubelab/api';
import type { ReconcileResult } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { errorMessage, isConflict, isNotFound } from '../util/objects.js';
import { isPodReady } from '../util/pods.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface NodeLifecycleDeps {
  api: ApiLike;
  nodes: Cache<Node>;
  leases: Cache<Lease>;
  pods: Cache<Pod>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  /** KUBELAB_NODE_GRACE_SECONDS (default 40 s). */
  graceMs?: number;
  /** KUBELAB_POD_EVICTION_SECONDS (default 60 s). */
  evictionMs?: number;
  /** How often the nodes are looked at (default 5 s). */
  periodMs?: number;
}

/** What the controller saw of a node, at monotonic times of its own. */
interface Health {
  signature: string;
  probedAt: number;
  notReadySince: number | undefined;
}

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle-controller';
  readonly caches: Cache<KubeObject>[];
  readonly queue: KeyQueue;
  private readonly health = new Map<string, Health>();
  private readonly orphanSince = new Map<string, number>();
  private readonly graceMs: number;
  private readonly evictionMs: number;
  private readonly periodMs: number;

  constructor(private readonly d: NodeLifecycleDeps) {
    this.caches = [d.nodes, d.leases, d.pods];
    this.graceMs = d.graceMs ?? 40_000;
    this.evictionMs = d.evictionMs ?? 60_000;
    this.periodMs = d.periodMs ?? 5_000;
    this.queue = d.queue;
    const byName = (o: KubeObject): void => this.queue.add(o.metadata.name ?? '');
    d.nodes.addHandlers({ add: byName, update: (_, n) => byName(n), delete: byName });
    d.leases.addHandlers({ add: byName, update: (_, n) => byName(n) });
    d.pods.addHandlers({ add: (p) => this.podChanged(p), update: (_, p) => this.podChanged(p) });
  }

  /** A pod bound to a node the cache does not know: that node's key collects it. */
  private podChanged(pod: Pod): void {
    const node = pod.spec.nodeName;
    if (node && !this.d.nodes.get(node)) this.queue.add(node);
  }

  onSynced(): void {
    for (const n of this.d.nodes.list()) this.queue.add(n.metadata.name ?? '');
    for (const p of this.d.pods.list()) this.podChanged(p);
  }

  /** Looks at one node (or, when it is gone, at the pods still bound to it); again after a period. */
  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const again = { requeueAfterMs: this.periodMs };
    if (!name) return undefined;
    if (!this.caches.every((c) => c.hasSynced())) return again;
    const now = monotonicNow(this.d.clock);
    const node = this.d.nodes.get(name);
    if (node) {
      await this.checkNode(node, now);
      return again;
    }
    this.health.delete(name);
    return (await this.collectOrphans(name, now)) ? again : undefined;
  }

  /** `now` is monotonic: compared only with the times this controller itself saw things. */
  private async checkNode(node: Node, now: number): Promise<void> {
    const name = node.metadata.name ?? '';
    const lease = this.d.leases.get(`${NODE_LEASE_NAMESPACE}/${name}`);
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const signature = `${lease?.spec.renewTime ?? ''}|${ready?.lastHeartbeatTime ?? ''}`;
    let h = this.health.get(name);
    if (!h || h.signature !== signature) {
      h = { signature, probedAt: now, notReadySince: h?.notReadySince };
      this.health.set(name, h);
    }
    let status = ready?.status;
    if (now - h.probedAt > this.graceMs && status !== 'Unknown') {
      if (await this.markUnknown(node)) status = 'Unknown';
    }
    if (status === 'True') h.notReadySince = undefined;
    else h.notReadySince ??= now;
    if (status === 'Unknown') await this.markPodsNotReady(name);
    if (h.notReadySince !== undefined && now - h.notReadySince > this.evictionMs)
      await this.evictPods(name, `node ${name} not ready`);
  }

  /** Sets Ready (and the pressure conditions) to Unknown; false when the write lost a race. */
  private async markUnknown(node: Node): Promise<boolean> {
    const nowIso = rfc3339(this.d.clock.now());
    const next = structuredClone(node);
    next.status ??= {};
    const conds: NodeCondition[] = (next.status.conditions ??= []);
    for (const type of CONDITION_TYPES) {
      const c = conds.find((x) => x.type === type);
      if (!c) {
        if (type === 'Ready')
          conds.push({
            type,
            status: 'Unknown',
            lastHeartbeatTime: node.metadata.creationTimestamp ?? nowIso,
            lastTransitionTime: nowIso,
            reason: 'NodeStatusNeverUpdated',
            message: 'Kubelet never posted node status.',
          });
        continue;
      }
      if (c.status === 'Unknown') continue;
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = nowIso;
    }
    try {
      await this.d.api.updateStatus('nodes', next);
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return false;
      throw err;
    }
    this.d.log.warn({ node: node.metadata.name }, 'node stopped posting status; marked Unknown');
    this.d.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`);
    return true;
  }

  private podsOn(nodeName: string): Pod[] {
    return this.d.pods.list().filter((p) => p.spec.nodeName === nodeName);
  }

  /** Pods on an unreachable node are no longer ready: nobody is there to say otherwise. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const now = this.d.clock.now();
    for (const pod of this.podsOn(nodeName)) {
      if (!isPodReady(pod) || pod.metadata.deletionTimestamp) continue;
      const next = structuredClone(pod);
      for (const c of next.status?.conditions ?? []) {
        if (c.type !== 'Ready') continue;
        c.status = 'False';
        c.lastTransitionTime = rfc3339(now);
      }
      try {
        await this.d.api.updateStatus('pods', next);
        this.d.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        this.d.log.debug({ pod: pod.metadata.name, err: errorMessage(err) }, 'could not mark pod not ready');
      }
    }
  }

  private async evictPods(nodeName: string, why: string): Promise<void> {
    for (const pod of this.podsOn(nodeName)) await this.forceDelete(pod, why);
  }

  private async forceDelete(pod: Pod, why: string): Promise<void> {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    try {
      await this.d.api.delete('pods', ns, name, { gracePeriodSeconds: 0, preconditionUid: pod.metadata.uid });
      this.d.log.info({ pod: `${ns}/${name}`, why }, 'evicted pod');
      this.d.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${ns}/${name}`);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.d.log.warn({ pod: `${ns}/${name}`, err: errorMessage(err) }, 'eviction failed; will retry');
    }
  }

  /**
   * Pods bound to a node that does not exist (confirmed by GET after the grace period) are
   * deleted; true while some are still waiting. `now` is monotonic.
   */
  private async collectOrphans(nodeName: string, now: number): Promise<boolean> {
    const pods = this.podsOn(nodeName);
    const prefix = `${nodeName}/`;
    const current = new Set(pods.map((p) => `${prefix}${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid}`));
    for (const key of [...this.orphanSince.keys()])
      if (key.startsWith(prefix) && !current.has(key)) this.orphanSince.delete(key);
    let gone: boolean | undefined;
    let waiting = false;
    for (const pod of pods) {
      const key = `${prefix}${pod.metadata.namespace}/${pod.metadata.name}/${pod.metadata.uid}`;
      const since = this.orphanSince.get(key) ?? now;
      this.orphanSince.set(key, since);
      if (now - since <= this.graceMs) {
        waiting = true;
        continue;
      }
      if (gone === undefined) {
        try {
          await this.d.api.get('nodes', '', nodeName);
          gone = false;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          gone = true;
        }
      }
      if (gone) await this.forceDelete(pod, `node ${nodeName} does not exist`);
      else waiting = true;
    }
    return waiting || pods.length > 0;
  }
}
