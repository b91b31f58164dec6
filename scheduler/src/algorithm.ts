/**
 * The scheduling decision, as a pure function of the pod and a snapshot of the cluster: filter
 * the nodes (filters.ts), then score the feasible ones: fewest pods of the same owner first
 * (spreads a ReplicaSet), then fewest pods, then a hash of pod and node names (so ties do not
 * all land on the same node). Unschedulable pods get upstream's
 * "0/2 nodes are available: 2 node(s) were unschedulable." message.
 */
import type { Node, Pod } from '@kubelab/api';
import { DEFAULT_FILTERS, type Filter, type NodeInfo } from './filters.js';

export type { NodeInfo } from './filters.js';

export interface Snapshot {
  nodes: NodeInfo[];
}

export type ScheduleResult = { node: string } | { error: string; reasons: Record<string, number> };

const terminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Groups the bound, non-terminal pods under their nodes (pods on unknown nodes are ignored). */
export function buildSnapshot(nodes: Node[], pods: Pod[]): Snapshot {
  const byNode = new Map<string, NodeInfo>();
  for (const node of nodes) byNode.set(node.metadata.name ?? '', { node, pods: [] });
  for (const p of pods) {
    if (!p.spec.nodeName || terminal(p)) continue;
    byNode.get(p.spec.nodeName)?.pods.push(p);
  }
  return { nodes: [...byNode.values()].sort((a, b) => (a.node.metadata.name ?? '').localeCompare(b.node.metadata.name ?? '')) };
}

function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function ownerUid(p: Pod): string | undefined {
  return p.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

/** "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable." */
export function fitErrorMessage(total: number, reasons: Record<string, number>): string {
  const parts = Object.entries(reasons)
    .map(([r, n]) => `${n} ${r}`)
    .sort();
  return `0/${total} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}

export function schedule(pod: Pod, snapshot: Snapshot, filters: Filter[] = DEFAULT_FILTERS): ScheduleResult {
  if (snapshot.nodes.length === 0) return { error: 'no nodes available to schedule pods', reasons: {} };
  const reasons: Record<string, number> = {};
  const feasible: NodeInfo[] = [];
  for (const info of snapshot.nodes) {
    let failed: string[] = [];
    for (const f of filters) {
      failed = f(pod, info);
      if (failed.length > 0) break;
    }
    if (failed.length === 0) feasible.push(info);
    else for (const r of new Set(failed)) reasons[r] = (reasons[r] ?? 0) + 1;
  }
  if (feasible.length === 0) return { error: fitErrorMessage(snapshot.nodes.length, reasons), reasons };
  const owner = ownerUid(pod);
  const podId = pod.metadata.uid || `${pod.metadata.namespace}/${pod.metadata.name}`;
  const scored = feasible.map((info) => ({
    name: info.node.metadata.name ?? '',
    siblings: owner ? info.pods.filter((p) => ownerUid(p) === owner).length : 0,
    pods: info.pods.length,
    tie: fnv32a(`${podId}|${info.node.metadata.name ?? ''}`),
  }));
  scored.sort((a, b) => a.siblings - b.siblings || a.pods - b.pods || a.tie - b.tie || a.name.localeCompare(b.name));
  return { node: scored[0]!.name };
}
