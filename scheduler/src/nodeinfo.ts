/**
 * A node with what the filters and scores need of it, kept up to date as pods come and go
 * (upstream's framework.NodeInfo): its parsed allocatable resources and effective taints (once
 * per node change), and the sums over its pods (requests, host ports, pods per owner) changed
 * by each pod added or removed, so that no filter walks the node's pods.
 */
import type { Node, Pod } from '@kubelab/api';
import { allocatable, podRequests, type Allocatable, type Resources } from './resources.js';
import { effectiveTaints, hostPorts, ownerUid, type HostPort, type Taint } from './podstate.js';

const terminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Whether a pod holds resources on its node (bound, not finished). */
export const holdsResources = (p: Pod): boolean => !!p.spec.nodeName && !terminal(p);

export class NodeInfo {
  node!: Node;
  name = '';
  alloc!: Allocatable;
  taints: Taint[] = [];
  /** Pods bound (or assumed) to the node that still hold resources. */
  readonly pods: Pod[] = [];
  readonly requested: Resources = { milliCPU: 0, memory: 0 };
  readonly ports: HostPort[] = [];
  /** Pods per controlling owner's uid. */
  readonly owners = new Map<string, number>();

  constructor(node: Node, pods: Pod[] = []) {
    this.setNode(node);
    for (const p of pods) this.addPod(p);
  }

  setNode(node: Node): void {
    this.node = node;
    this.name = node.metadata.name ?? '';
    this.alloc = allocatable(node);
    this.taints = effectiveTaints(node);
  }

  addPod(p: Pod): void {
    this.pods.push(p);
    const r = podRequests(p);
    this.requested.milliCPU += r.milliCPU;
    this.requested.memory += r.memory;
    for (const hp of hostPorts(p)) this.ports.push(hp);
    const owner = ownerUid(p);
    if (owner) this.owners.set(owner, (this.owners.get(owner) ?? 0) + 1);
  }

  /** Removes the pod (the same object that was added); false when it is not here. */
  removePod(p: Pod): boolean {
    const i = this.pods.indexOf(p);
    if (i < 0) return false;
    this.pods.splice(i, 1);
    const r = podRequests(p);
    this.requested.milliCPU -= r.milliCPU;
    this.requested.memory -= r.memory;
    for (const hp of hostPorts(p)) {
      const at = this.ports.findIndex((u) => u.port === hp.port && u.protocol === hp.protocol && u.ip === hp.ip);
      if (at >= 0) this.ports.splice(at, 1);
    }
    const owner = ownerUid(p);
    if (owner) {
      const n = (this.owners.get(owner) ?? 1) - 1;
      if (n > 0) this.owners.set(owner, n);
      else this.owners.delete(owner);
    }
    return true;
  }
}
