/**
 * The scheduler's view of the cluster, kept by the informers' events (upstream's scheduler
 * cache): a NodeInfo per node, the pods that hold resources on each, and the pods this
 * scheduler has assumed onto a node while their bind is in flight. Every change is
 * incremental (one pod or one node); a decision reads it as it is, synchronously, so it is a
 * consistent snapshot for that decision. An assumption ends when the informer shows the pod
 * bound (confirmed, on the node it shows), when forgotten (a failed bind) or after a TTL.
 */
import type { Clock, Node, Pod } from '@kubelab/api';
import type { Snapshot } from './algorithm.js';
import { holdsResources, NodeInfo } from './nodeinfo.js';

interface Entry {
  /** The object counted on the node (for an assumption: the pod with spec.nodeName set). */
  pod: Pod;
  node: string;
  assumed: boolean;
  at: number;
}

const byName = (a: NodeInfo, b: NodeInfo): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private order: NodeInfo[] | undefined;
  private readonly pods = new Map<string, Entry>();
  private readonly assumedKeys = new Set<string>();
  private lastExpiry = 0;

  constructor(
    private readonly clock: Clock,
    /** Safety net: an assumption nobody confirmed or forgot is dropped after this long. */
    private readonly ttlMs = 60_000,
  ) {}

  setNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const info = this.nodes.get(name);
    if (info) return info.setNode(node);
    const fresh = new NodeInfo(node);
    this.nodes.set(name, fresh);
    this.order = undefined;
    // Pods the informer showed on this node before the node itself.
    for (const e of this.pods.values()) if (e.node === name) fresh.addPod(e.pod);
  }

  deleteNode(name: string): void {
    if (this.nodes.delete(name)) this.order = undefined;
  }

  /** An informer add/update of a pod. */
  updatePod(key: string, pod: Pod): void {
    if (!pod.spec.nodeName) return; // unbound: an assumption (if any) stands until the bind shows
    this.remove(key);
    if (holdsResources(pod)) this.attach(key, pod, false);
  }

  deletePod(key: string): void {
    this.remove(key);
  }

  /** Counts the pod on `node` from now on, before the bind is written. */
  assume(key: string, pod: Pod, node: string): void {
    const cur = this.pods.get(key);
    if (cur && !cur.assumed) return; // the informer shows it bound already
    this.remove(key);
    this.attach(key, { ...pod, spec: { ...pod.spec, nodeName: node } }, true);
  }

  /** Drops an assumption (its bind failed); a pod the informer shows bound stays. */
  forget(key: string): void {
    if (this.assumedKeys.has(key)) this.remove(key);
  }

  isAssumed(key: string): boolean {
    return this.assumedKeys.has(key);
  }

  get assumedCount(): number {
    return this.assumedKeys.size;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /** The nodes in name order, with their pods as of now (not a copy: read it synchronously). */
  snapshot(): Snapshot {
    this.expire();
    this.order ??= [...this.nodes.values()].sort(byName);
    return { nodes: this.order };
  }

  private attach(key: string, pod: Pod, assumed: boolean): void {
    const node = pod.spec.nodeName ?? '';
    this.pods.set(key, { pod, node, assumed, at: this.clock.now() });
    if (assumed) this.assumedKeys.add(key);
    this.nodes.get(node)?.addPod(pod);
  }

  private remove(key: string): void {
    const e = this.pods.get(key);
    if (!e) return;
    this.pods.delete(key);
    this.assumedKeys.delete(key);
    this.nodes.get(e.node)?.removePod(e.pod);
  }

  private expire(): void {
    const now = this.clock.now();
    if (this.assumedKeys.size === 0 || now - this.lastExpiry < 1000) return;
    this.lastExpiry = now;
    for (const key of [...this.assumedKeys]) {
      const e = this.pods.get(key);
      if (e && now - e.at > this.ttlMs) this.remove(key);
    }
  }
}
