/**
 * Filter plugins, in upstream's order, each returning the reasons a node cannot take the pod
 * (empty when it can). The reasons are upstream's strings, counted into "0/N nodes are
 * available: ..." messages. Each costs O(1) in the node's pods: the node side is kept in its
 * NodeInfo (nodeinfo.ts), the pod side worked out once per attempt (podstate.ts).
 */
import { nodeSelectorTermMatches, type Pod } from '@kubelab/api';
import type { NodeInfo } from './nodeinfo.js';
import { TAINT_UNSCHEDULABLE, tolerates, type HostPort, type PodState, type Taint } from './podstate.js';

export type { NodeInfo } from './nodeinfo.js';
export {
  effectiveTaints,
  tolerates,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  type Taint,
  type Toleration,
} from './podstate.js';

export type Filter = (pod: Pod, info: NodeInfo, state: PodState) => string[];

export const REASON = {
  unschedulable: 'node(s) were unschedulable',
  nodeName: "node(s) didn't match the requested node name",
  affinity: "node(s) didn't match Pod's node affinity/selector",
  ports: "node(s) didn't have free ports for the requested pod ports",
  tooManyPods: 'Too many pods',
  cpu: 'Insufficient cpu',
  memory: 'Insufficient memory',
} as const;

const FITS: string[] = [];
const UNSCHEDULABLE: Taint = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' };

const tolerated = (s: PodState, taint: Taint): boolean => s.tolerations.some((t) => tolerates(t, taint));

export const nodeUnschedulable: Filter = (_pod, { node }, s) => {
  if (!node.spec?.unschedulable) return FITS;
  return tolerated(s, UNSCHEDULABLE) ? FITS : [REASON.unschedulable];
};

/** Only relevant to pods that name a node but still reached the scheduler. */
export const nodeName: Filter = (pod, info) => {
  const wanted = pod.spec.nodeName;
  return wanted && wanted !== info.name ? [REASON.nodeName] : FITS;
};

export const taintToleration: Filter = (_pod, { taints }, s) => {
  for (const taint of taints) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerated(s, taint)) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  }
  return FITS;
};

export const nodeAffinity: Filter = (_pod, { node }, s) => {
  if (s.selector.length === 0 && !s.requiredTerms) return FITS;
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of s.selector) if (labels[k] !== v) return [REASON.affinity];
  if (s.requiredTerms && !s.requiredTerms.some((t) => nodeSelectorTermMatches(t, node))) return [REASON.affinity];
  return FITS;
};

const conflicts = (a: HostPort, b: HostPort): boolean =>
  a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0');

export const nodePorts: Filter = (_pod, { ports }, s) => {
  if (s.ports.length === 0 || ports.length === 0) return FITS;
  return s.ports.some((w) => ports.some((u) => conflicts(w, u))) ? [REASON.ports] : FITS;
};

export const nodeResourcesFit: Filter = (_pod, { alloc, pods, requested }, s) => {
  const want = s.requests;
  const tooMany = alloc.pods !== undefined && pods.length + 1 > alloc.pods;
  const cpu = want.milliCPU > 0 && alloc.milliCPU !== undefined && alloc.milliCPU - requested.milliCPU < want.milliCPU;
  const mem = want.memory > 0 && alloc.memory !== undefined && alloc.memory - requested.memory < want.memory;
  if (!tooMany && !cpu && !mem) return FITS;
  const reasons: string[] = [];
  if (tooMany) reasons.push(REASON.tooManyPods);
  if (cpu) reasons.push(REASON.cpu);
  if (mem) reasons.push(REASON.memory);
  return reasons;
};

/** The default filter chain, in upstream's order; a node stops at its first failing plugin. */
export const DEFAULT_FILTERS: Filter[] = [
  nodeUnschedulable,
  nodeName,
  taintToleration,
  nodeAffinity,
  nodePorts,
  nodeResourcesFit,
];
