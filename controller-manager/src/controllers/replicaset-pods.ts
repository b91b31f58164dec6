/**
 * Pure parts of the ReplicaSet controller: the pod made from a template, which pods go first on
 * scale-down, and the status computed from the pods.
 */
import { matches, type Pod, type ReplicaSet, type ReplicaSetStatus, type Selector } from '@kubelab/api';
import { newControllerRef } from '../util/objects.js';
import { isPodAvailable, isPodReady, podCondition } from '../util/pods.js';

export interface ReplicaSetCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export type ReplicaSetStatusFull = ReplicaSetStatus & { conditions?: ReplicaSetCondition[] };

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** The pod the ReplicaSet creates: template labels/annotations/spec, generateName "<rs>-", controller ref. */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const t = rs.spec.template;
  const meta = t.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name ?? ''}-`,
      namespace: rs.metadata.namespace ?? 'default',
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
    },
    spec: structuredClone(t.spec),
  };
  if (meta.annotations && Object.keys(meta.annotations).length > 0) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers && meta.finalizers.length > 0) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

function readySince(pod: Pod): number {
  const t = podCondition(pod, 'Ready')?.lastTransitionTime;
  return t ? Date.parse(t) : 0;
}

function createdMs(pod: Pod): number {
  const t = pod.metadata.creationTimestamp;
  return t ? Date.parse(t) : Number.MAX_SAFE_INTEGER;
}

/**
 * Upstream's ActivePodsWithRanks order, earlier = deleted first: unscheduled before scheduled;
 * Pending < Unknown < Running; not ready before ready; pods doubled up on a node before lone
 * ones; ready for less time before longer; more restarts before fewer; newer before older.
 */
export function comparePodsForDeletion(a: Pod, b: Pod, rank: (p: Pod) => number): number {
  const na = a.spec.nodeName ?? '';
  const nb = b.spec.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ka = rank(a);
  const kb = rank(b);
  if (ka !== kb) return kb - ka;
  if (ra && rb) {
    const sa = readySince(a);
    const sb = readySince(b);
    if (sa !== sb) return sb - sa;
  }
  const xa = maxRestarts(a);
  const xb = maxRestarts(b);
  if (xa !== xb) return xb - xa;
  const ca = createdMs(a);
  const cb = createdMs(b);
  if (ca !== cb) return cb - ca;
  return (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
}

/** The `n` pods to delete first; `related` are the pods counted for the per-node rank. */
export function podsToDelete(pods: Pod[], n: number, related: Pod[] = pods): Pod[] {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec.nodeName ?? '';
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const rank = (p: Pod): number => (p.spec.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0);
  return [...pods].sort((a, b) => comparePodsForDeletion(a, b, rank)).slice(0, Math.max(0, n));
}

/** Status from the active pods the ReplicaSet owns; `manageError` sets the ReplicaFailure condition. */
export function calculateReplicaSetStatus(
  rs: ReplicaSet,
  pods: Pod[],
  manageError: unknown,
  nowMs: number,
  nowIso: string,
): ReplicaSetStatusFull {
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  const templateSel: Selector = Object.entries(templateLabels).map(([key, v]) => ({
    key,
    op: '=' as const,
    values: [v],
  }));
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (matches(templateSel, p.metadata.labels)) fully++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, nowMs)) available++;
    }
  }
  const old = (rs.status ?? { replicas: 0 }) as ReplicaSetStatusFull;
  let conditions = [...(old.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError !== undefined && !failure) {
    const diff = pods.length - (rs.spec.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const message = manageError instanceof Error ? manageError.message : String(manageError);
    conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: nowIso, reason, message });
  } else if (manageError === undefined && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: ReplicaSetStatusFull = { replicas: pods.length };
  if (fully) status.fullyLabeledReplicas = fully;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  status.observedGeneration = rs.metadata.generation ?? old.observedGeneration ?? 0;
  if (!status.observedGeneration) delete status.observedGeneration;
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}
