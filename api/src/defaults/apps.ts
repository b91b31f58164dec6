/** Upstream's apps/v1 defaults for Deployments and ReplicaSets. */
import type { KubeObject } from '../types.js';
import { defaultPodSpec } from './pod.js';

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** Template specs get pod-spec defaults; template metadata shows creationTimestamp: null as upstream prints it. */
export function defaultTemplate(spec: Obj): void {
  const t = rec(spec.template);
  if (!t) return;
  const meta = rec(t.metadata) ?? {};
  if (meta.creationTimestamp === undefined) meta.creationTimestamp = null;
  t.metadata = meta;
  defaultPodSpec(t.spec);
}

export function defaultDeployment(d: KubeObject): void {
  const spec = rec(d.spec);
  if (!spec) return;
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  const strategy = rec(spec.strategy) ?? {};
  spec.strategy = strategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = rec(strategy.rollingUpdate) ?? {};
    strategy.rollingUpdate = ru;
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = '25%';
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = '25%';
  }
  if (spec.revisionHistoryLimit === undefined || spec.revisionHistoryLimit === null) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined || spec.progressDeadlineSeconds === null)
    spec.progressDeadlineSeconds = 600;
  defaultTemplate(spec);
}

export function defaultReplicaSet(rs: KubeObject): void {
  const spec = rec(rs.spec);
  if (!spec) return;
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  defaultTemplate(spec);
}
