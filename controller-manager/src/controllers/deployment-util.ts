/**
 * Pure helpers of the Deployment controller, after upstream's deployment/util: surge and
 * unavailability fenceposts, revision and replica annotations, new/old ReplicaSet selection and
 * proportional scaling arithmetic.
 */
import type { Deployment, PodTemplateSpec, ReplicaSet } from '@kubelab/api';
import { byCreation, semanticEqual } from '../util/objects.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const CHANGE_CAUSE = 'kubernetes.io/change-cause';
export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** Deployment annotations that are not copied to its ReplicaSets. */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

/** Upstream caps the revision-history annotation at this many characters. */
const MAX_REV_HISTORY_CHARS = 2000;

export const replicasOf = (d: Deployment): number => d.spec.replicas ?? 1;
export const rsReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 1;

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** An int, or a percentage of `total` rounded up (surge) or down (unavailable). */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const s = v.trim();
  if (s.endsWith('%')) {
    const pct = Number(s.slice(0, -1));
    if (!Number.isFinite(pct)) throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
    const raw = (pct * total) / 100;
    return roundUp ? Math.ceil(raw) : Math.floor(raw);
  }
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  return n;
}

/** Upstream's ResolveFenceposts: [maxSurge, maxUnavailable]; both 0 makes unavailable 1. */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): [number, number] {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

function rollingParams(d: Deployment): { maxSurge: number | string; maxUnavailable: number | string } {
  const ru = d.spec.strategy?.rollingUpdate;
  return { maxSurge: ru?.maxSurge ?? '25%', maxUnavailable: ru?.maxUnavailable ?? '25%' };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const p = rollingParams(d);
  return resolveFenceposts(p.maxSurge, p.maxUnavailable, replicasOf(d))[0];
}

export function maxUnavailable(d: Deployment): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  const p = rollingParams(d);
  return Math.min(desired, resolveFenceposts(p.maxSurge, p.maxUnavailable, desired)[1]);
}

export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const v = obj.metadata.annotations?.[REVISION];
  const n = v === undefined ? 0 : Number(v);
  return Number.isInteger(n) ? n : 0;
}

export function maxRevision(rss: ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

function withoutHash(t: PodTemplateSpec): PodTemplateSpec {
  const c = structuredClone(t);
  if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH];
  return c;
}

/** Upstream's EqualIgnoreHash: templates equal apart from the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}

/** The oldest ReplicaSet whose template equals the Deployment's (the "new" one), if any. */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

export function findOldReplicaSets(d: Deployment, rss: ReplicaSet[]): ReplicaSet[] {
  const cur = findNewReplicaSet(d, rss);
  return rss.filter((rs) => rs.metadata.uid !== cur?.metadata.uid);
}

export const isActive = (rs: ReplicaSet | undefined): rs is ReplicaSet => !!rs && rsReplicas(rs) > 0;
export const sumSpec = (rss: (ReplicaSet | undefined)[]): number =>
  rss.reduce((n, rs) => n + (rs ? rsReplicas(rs) : 0), 0);
export const sumStatus = (
  rss: (ReplicaSet | undefined)[],
  f: 'replicas' | 'readyReplicas' | 'availableReplicas',
): number => rss.reduce((n, rs) => n + (rs?.status?.[f] ?? 0), 0);

/** Upstream's NewRSNewReplicas: how far the new ReplicaSet may be scaled up now. */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const desired = replicasOf(d);
  const current = sumSpec(allRSs);
  const maxTotal = desired + maxSurge(d);
  if (current >= maxTotal) return rsReplicas(newRS);
  const up = Math.min(maxTotal - current, desired - rsReplicas(newRS));
  return rsReplicas(newRS) + up;
}

/** Copies the Deployment's annotations (except the controller's own) onto the ReplicaSet. */
export function copyAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  rs.metadata.annotations ??= {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || rs.metadata.annotations[k] === v) continue;
    rs.metadata.annotations[k] = v;
    changed = true;
  }
  return changed;
}

/** Sets desired-replicas / max-replicas; true when something changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  rs.metadata.annotations ??= {};
  const a = rs.metadata.annotations;
  let changed = false;
  if (a[DESIRED_REPLICAS] !== String(desired)) {
    a[DESIRED_REPLICAS] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS] !== String(max)) {
    a[MAX_REPLICAS] = String(max);
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

/**
 * Upstream's SetNewReplicaSetAnnotations: copy annotations, raise the revision to `newRevision`
 * (keeping the old one in revision-history when a former ReplicaSet becomes current again), and
 * for a ReplicaSet about to be created the replica annotations.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
): boolean {
  let changed = copyAnnotations(d, rs);
  const a = (rs.metadata.annotations ??= {});
  const had = REVISION in a;
  const oldRevision = had ? Number(a[REVISION]) : 0;
  if (had && !Number.isInteger(oldRevision)) return changed;
  if (oldRevision < newRevision) {
    a[REVISION] = String(newRevision);
    changed = true;
    if (had) {
      const hist = a[REVISION_HISTORY] ? a[REVISION_HISTORY].split(',') : [];
      hist.push(String(oldRevision));
      while (hist.join(',').length > MAX_REV_HISTORY_CHARS) hist.shift();
      a[REVISION_HISTORY] = hist.join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** Sets the Deployment's revision annotation; true when it changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  d.metadata.annotations ??= {};
  if (d.metadata.annotations[REVISION] === revision) return false;
  d.metadata.annotations[REVISION] = revision;
  return true;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata.annotations?.[DESIRED_REPLICAS];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) ? n : undefined;
}

function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata.annotations?.[MAX_REPLICAS];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/** The new ReplicaSet runs the whole Deployment: sized, annotated and available at full count. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = replicasOf(d);
  return (
    rsReplicas(rs) === desired &&
    desiredReplicasAnnotation(rs) === desired &&
    (rs.status?.availableReplicas ?? 0) === desired
  );
}

/** The only active ReplicaSet, or the newest when none is active; undefined when several are active. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort(byCreation).reverse();
  const active = [...olds, newRS].filter(isActive);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** Upstream's GetProportion: this ReplicaSet's share of `toAdd` during a proportional scale. */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -rsReplicas(rs);
  const maxNow = replicasOf(d) + maxSurge(d);
  let before = maxReplicasAnnotation(rs);
  if (!before) before = d.status?.replicas ?? 0;
  if (!before) return 0;
  return Math.round((rsReplicas(rs) * maxNow) / before) - rsReplicas(rs);
}

/** Larger first; for equal sizes newer first (scaling up) or older first (scaling down). */
export function bySizeThenAge(scalingUp: boolean): (a: ReplicaSet, b: ReplicaSet) => number {
  return (a, b) => {
    const s = rsReplicas(b) - rsReplicas(a);
    if (s !== 0) return s;
    return scalingUp ? byCreation(b, a) : byCreation(a, b);
  };
}

/** Ascending revision; ties oldest first (cleanup order). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  return revisionOf(a) - revisionOf(b) || byCreation(a, b);
}
