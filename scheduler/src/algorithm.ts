/**
 * The scheduling decision, as a pure function of the pod and a snapshot of the cluster: filter
 * the nodes (filters.ts), from a rotating start and only until enough feasible ones are found
 * (upstream's percentageOfNodesToScore), then score the feasible ones: fewest pods of the same
 * owner first (spreads a ReplicaSet), then fewest pods, then a hash of pod and node names (so
 * ties do not all land on the same node). Unschedulable pods get upstream's
 * "0/2 nodes are available: 2 node(s) were unschedulable." message.
 */
import type { Node, Pod } from '@kubelab/api';
import { DEFAULT_FILTERS, type Filter } from './filters.js';
import { holdsResources, NodeInfo } from './nodeinfo.js';
import { podState } from './podstate.js';

export { NodeInfo } from './nodeinfo.js';

export interface Snapshot {
  /** In a stable order (by name): the rotating start walks it. */
  nodes: NodeInfo[];
}

export type ScheduleResult = { node: string } | { error: string; reasons: Record<string, number> };

/** Groups the bound, non-terminal pods under their nodes (pods on unknown nodes are ignored). */
export function buildSnapshot(nodes: Node[], pods: Pod[]): Snapshot {
  const byNode = new Map<string, NodeInfo>();
  for (const node of nodes) byNode.set(node.metadata.name ?? '', new NodeInfo(node));
  for (const p of pods) if (holdsResources(p)) byNode.get(p.spec.nodeName ?? '')?.addPod(p);
  return { nodes: [...byNode.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

const MIN_FEASIBLE_NODES = 100;
const MIN_FEASIBLE_PERCENTAGE = 5;
const DEFAULT_PERCENTAGE = 50;

/**
 * Upstream's numFeasibleNodesToFind: every node below 100; else `percentage` of them (when
 * unset or 0, adaptive: 50 % − nodes/125, at least 5 %), and never fewer than 100.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage?: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES || (percentage ?? 0) >= 100) return numAllNodes;
  let pct = percentage ?? 0;
  if (pct <= 0) pct = Math.max(MIN_FEASIBLE_PERCENTAGE, DEFAULT_PERCENTAGE - Math.floor(numAllNodes / 125));
  return Math.max(MIN_FEASIBLE_NODES, Math.floor((numAllNodes * pct) / 100));
}

/** FNV-1a (32 bits) of `s`, continuing from `h` (the hash of what comes before it). */
function fnv32a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable." */
export function fitErrorMessage(total: number, reasons: Record<string, number>): string {
  const parts = Object.entries(reasons)
    .map(([r, n]) => `${n} ${r}`)
    .sort();
  return `0/${total} nodes are available${parts.length ? `: ${parts.join(', ')}` : ''}.`;
}

export interface PlacementOptions {
  /** The index in snapshot.nodes to start filtering at (upstream's nextStartNodeIndex). */
  start?: number;
  /** percentageOfNodesToScore (unset: adaptive). */
  percentage?: number;
}

/** The decision and how many nodes were looked at (the next attempt starts that much further). */
export function findPlacement(
  pod: Pod,
  snapshot: Snapshot,
  filters: Filter[] = DEFAULT_FILTERS,
  opts: PlacementOptions = {},
): { result: ScheduleResult; processed: number } {
  const all = snapshot.nodes;
  if (all.length === 0) return { result: { error: 'no nodes available to schedule pods', reasons: {} }, processed: 0 };
  const state = podState(pod);
  const want = numFeasibleNodesToFind(all.length, opts.percentage);
  const start = (opts.start ?? 0) % all.length;
  const reasons: Record<string, number> = {};
  const feasible: NodeInfo[] = [];
  let processed = 0;
  for (; processed < all.length && feasible.length < want; processed++) {
    const info = all[(start + processed) % all.length]!;
    let failed: string[] = [];
    for (const f of filters) {
      failed = f(pod, info, state);
      if (failed.length > 0) break;
    }
    if (failed.length === 0) feasible.push(info);
    else for (const r of new Set(failed)) reasons[r] = (reasons[r] ?? 0) + 1;
  }
  if (feasible.length === 0) return { result: { error: fitErrorMessage(all.length, reasons), reasons }, processed };
  // The tie hash is fnv32a(`${pod id}|${node name}`), worked out only between nodes that tie on
  // both counts, from the hash of the pod's part (no string built per node).
  const seed = fnv32a(`${state.id}|`);
  let best = feasible[0]!;
  let bs = state.owner ? (best.owners.get(state.owner) ?? 0) : 0;
  let bp = best.pods.length;
  let bt: number | undefined;
  for (let i = 1; i < feasible.length; i++) {
    const info = feasible[i]!;
    const siblings = state.owner ? (info.owners.get(state.owner) ?? 0) : 0;
    if (siblings > bs) continue;
    const pods = info.pods.length;
    let tie: number | undefined;
    if (siblings === bs) {
      if (pods > bp) continue;
      if (pods === bp) {
        bt ??= fnv32a(best.name, seed);
        tie = fnv32a(info.name, seed);
        if (tie > bt || (tie === bt && info.name >= best.name)) continue;
      }
    }
    best = info;
    bs = siblings;
    bp = pods;
    bt = tie;
  }
  return { result: { node: best.name }, processed };
}

export function schedule(
  pod: Pod,
  snapshot: Snapshot,
  filters: Filter[] = DEFAULT_FILTERS,
  opts: PlacementOptions = {},
): ScheduleResult {
  return findPlacement(pod, snapshot, filters, opts).result;
}
