/**
 * Filter plugins, in upstream's order, each returning the reasons a node cannot take the pod
 * (empty when it can). The reasons are upstream's strings, counted into "0/N nodes are
 * available: ..." messages.
 */
import { nodeSelectorTermMatches, type Node, type NodeSelectorTerm, type Pod } from '@kubelab/api';
import { allocatable, podRequests } from './resources.js';

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

export interface NodeInfo {
  node: Node;
  /** Pods bound (or assumed) to the node that still hold resources. */
  pods: Pod[];
}

export type Filter = (pod: Pod, info: NodeInfo) => string[];

export const REASON = {
  unschedulable: 'node(s) were unschedulable',
  nodeName: "node(s) didn't match the requested node name",
  affinity: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  cpu: 'Insufficient cpu',
  memory: 'Insufficient memory',
} as const;

export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

function tolerationsOf(pod: Pod): Toleration[] {
  return (pod.spec.tolerations as Toleration[] | undefined) ?? [];
}

/** Upstream's ToleratesTaint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

const tolerated = (pod: Pod, taint: Taint): boolean => tolerationsOf(pod).some((t) => tolerates(t, taint));

export const nodeUnschedulable: Filter = (pod, { node }) => {
  if (!node.spec?.unschedulable) return [];
  return tolerated(pod, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }) ? [] : [REASON.unschedulable];
};

/** Only relevant to pods that name a node but still reached the scheduler. */
export const nodeName: Filter = (pod, { node }) => {
  const wanted = pod.spec.nodeName;
  return wanted && wanted !== node.metadata.name ? [REASON.nodeName] : [];
};

/**
 * The node's NoSchedule/NoExecute taints, plus the ones upstream's node lifecycle controller
 * would have put on a node whose Ready condition is False (not-ready) or Unknown/missing
 * (unreachable / not-ready).
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

export const taintToleration: Filter = (pod, { node }) => {
  for (const taint of effectiveTaints(node)) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerated(pod, taint)) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  }
  return [];
};

export const nodeAffinity: Filter = (pod, { node }) => {
  const labels = node.metadata.labels ?? {};
  const selector = (pod.spec.nodeSelector as Record<string, string> | undefined) ?? {};
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return [REASON.affinity];
  const affinity = pod.spec.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } | undefined;
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !(required.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node))) return [REASON.affinity];
  return [];
};

interface HostPort {
  port: number;
  protocol: string;
  ip: string;
}

function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ port: p.hostPort, protocol: p.protocol ?? 'TCP', ip: ((p as { hostIP?: string }).hostIP ?? '') || '0.0.0.0' });
    }
  }
  return out;
}

const conflicts = (a: HostPort, b: HostPort): boolean => a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');

export const nodePorts: Filter = (pod, { pods }) => {
  const wanted = hostPorts(pod);
  if (wanted.length === 0) return [];
  const used = pods.flatMap(hostPorts);
  return wanted.some((w) => used.some((u) => conflicts(w, u))) ? [REASON.ports] : [];
};

export const nodeResourcesFit: Filter = (pod, { node, pods }) => {
  const alloc = allocatable(node);
  const reasons: string[] = [];
  if (alloc.pods !== undefined && pods.length + 1 > alloc.pods) reasons.push(REASON.tooManyPods);
  const want = podRequests(pod);
  if (want.milliCPU === 0 && want.memory === 0) return reasons;
  let cpu = 0;
  let mem = 0;
  for (const p of pods) {
    const r = podRequests(p);
    cpu += r.milliCPU;
    mem += r.memory;
  }
  if (want.milliCPU > 0 && alloc.milliCPU !== undefined && alloc.milliCPU - cpu < want.milliCPU) reasons.push(REASON.cpu);
  if (want.memory > 0 && alloc.memory !== undefined && alloc.memory - mem < want.memory) reasons.push(REASON.memory);
  return reasons;
};

/** The default filter chain, in upstream's order; a node stops at its first failing plugin. */
export const DEFAULT_FILTERS: Filter[] = [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit];
