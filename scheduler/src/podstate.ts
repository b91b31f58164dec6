/**
 * What the filters and scores need of the pod being scheduled, worked out once per attempt
 * (upstream's PreFilter state): its requests, host ports, tolerations, node selector and
 * required node affinity, and its owner; plus the taint, toleration and host-port helpers the
 * node side (nodeinfo.ts) shares.
 */
import type { Node, NodeSelectorTerm, Pod } from '@kubelab/api';
import { podRequests, type Resources } from './resources.js';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface HostPort {
  port: number;
  protocol: string;
  ip: string;
}

export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Upstream's ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/**
 * The node's taints, plus the ones upstream's node lifecycle controller would have put on a
 * node whose Ready condition is False (not-ready) or Unknown/missing (unreachable / not-ready).
 */
export function effectiveTaints(node: Node): Taint[] {
  const taints = [...((node.spec?.taints as Taint[] | undefined) ?? [])];
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const has = (key: string): boolean => taints.some((t) => t.key === key && t.effect === 'NoSchedule');
  if (!ready || ready.status === 'False') {
    if (!has(TAINT_NOT_READY)) taints.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' });
  } else if (ready.status === 'Unknown' && !has(TAINT_UNREACHABLE)) {
    taints.push({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' });
  }
  return taints;
}

export function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({
        port: p.hostPort,
        protocol: p.protocol ?? 'TCP',
        ip: ((p as { hostIP?: string }).hostIP ?? '') || '0.0.0.0',
      });
    }
  }
  return out;
}

export function ownerUid(p: Pod): string | undefined {
  return p.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

export interface PodState {
  requests: Resources;
  ports: HostPort[];
  tolerations: Toleration[];
  /** spec.nodeSelector as pairs. */
  selector: [string, string][];
  /** requiredDuringSchedulingIgnoredDuringExecution's terms (undefined: none required). */
  requiredTerms: NodeSelectorTerm[] | undefined;
  owner: string | undefined;
  /** The pod's uid (or namespace/name): the tie-breaking hash's seed. */
  id: string;
}

export function podState(pod: Pod): PodState {
  const affinity = pod.spec.affinity as
    | { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } }
    | undefined;
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return {
    requests: podRequests(pod),
    ports: hostPorts(pod),
    tolerations: (pod.spec.tolerations as Toleration[] | undefined) ?? [],
    selector: Object.entries((pod.spec.nodeSelector as Record<string, string> | undefined) ?? {}),
    requiredTerms: required ? (required.nodeSelectorTerms ?? []) : undefined,
    owner: ownerUid(pod),
    id: pod.metadata.uid || `${pod.metadata.namespace}/${pod.metadata.name}`,
  };
}
