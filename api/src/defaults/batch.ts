/** Upstream's batch/v1 defaults for Jobs and CronJobs, and the apps/v1 ones for DaemonSets and StatefulSets. */
import type { KubeObject } from '../types.js';
import { defaultTemplate } from './apps.js';
import { defaultPersistentVolumeClaim } from './storage.js';

type Obj = Record<string, unknown>;

function rec(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

const unset = (v: unknown): boolean => v === undefined || v === null;

/** JobSpec defaults (also applied inside a CronJob's jobTemplate). */
export function defaultJobSpec(spec: Obj): void {
  if (unset(spec.completions) && unset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (unset(spec.parallelism)) spec.parallelism = 1;
  if (unset(spec.backoffLimit)) spec.backoffLimit = 6;
  if (unset(spec.completionMode)) spec.completionMode = 'NonIndexed';
  if (unset(spec.suspend)) spec.suspend = false;
  if (unset(spec.podReplacementPolicy)) spec.podReplacementPolicy = 'TerminatingOrFailed';
  defaultTemplate(spec);
}

export function defaultJob(job: KubeObject): void {
  const spec = rec(job.spec);
  if (spec) defaultJobSpec(spec);
}

export function defaultCronJob(cj: KubeObject): void {
  const spec = rec(cj.spec);
  if (!spec) return;
  if (unset(spec.concurrencyPolicy)) spec.concurrencyPolicy = 'Allow';
  if (unset(spec.suspend)) spec.suspend = false;
  if (unset(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3;
  if (unset(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1;
  const jt = rec(spec.jobTemplate);
  if (!jt) return;
  if (jt.metadata === undefined) jt.metadata = { creationTimestamp: null };
  const jspec = rec(jt.spec);
  if (jspec) defaultJobSpec(jspec);
}

export function defaultDaemonSet(ds: KubeObject): void {
  const spec = rec(ds.spec);
  if (!spec) return;
  const us = rec(spec.updateStrategy) ?? {};
  spec.updateStrategy = us;
  if (unset(us.type)) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = rec(us.rollingUpdate) ?? {};
    us.rollingUpdate = ru;
    if (unset(ru.maxUnavailable)) ru.maxUnavailable = 1;
    if (unset(ru.maxSurge)) ru.maxSurge = 0;
  }
  if (unset(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  defaultTemplate(spec);
}

export function defaultStatefulSet(sts: KubeObject): void {
  const spec = rec(sts.spec);
  if (!spec) return;
  if (unset(spec.replicas)) spec.replicas = 1;
  if (unset(spec.podManagementPolicy)) spec.podManagementPolicy = 'OrderedReady';
  const us = rec(spec.updateStrategy) ?? {};
  spec.updateStrategy = us;
  if (unset(us.type)) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = rec(us.rollingUpdate) ?? {};
    us.rollingUpdate = ru;
    if (unset(ru.partition)) ru.partition = 0;
  }
  if (unset(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  const retention = rec(spec.persistentVolumeClaimRetentionPolicy) ?? {};
  spec.persistentVolumeClaimRetentionPolicy = retention;
  if (unset(retention.whenDeleted)) retention.whenDeleted = 'Retain';
  if (unset(retention.whenScaled)) retention.whenScaled = 'Retain';
  for (const t of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    const claim = rec(t);
    if (claim) defaultPersistentVolumeClaim(claim as KubeObject);
  }
  defaultTemplate(spec);
}

/** Secrets: type Opaque; stringData is merged into data (base64) and never stored. */
export function defaultSecret(s: KubeObject): void {
  if (unset(s['type']) || s['type'] === '') s['type'] = 'Opaque';
  const sd = rec(s['stringData']);
  if (sd) {
    const data = { ...(rec(s['data']) ?? {}) };
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
    s['data'] = data;
  }
  delete s['stringData'];
}
