/**
 * Jobs: status starts empty and, unless spec.manualSelector, the selector is generated from the
 * Job's uid and the template gets the controller-uid / job-name labels (upstream's generateSelector).
 */
import type { KubeObject } from '@kubelab/api';
import type { Strategy } from '../strategy.js';

export const JOB_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;

export function generateJobSelector(job: KubeObject): void {
  const spec = rec(job.spec);
  if (!spec || spec.manualSelector === true) return;
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const template = rec(spec.template);
  if (template) {
    const meta = rec(template.metadata) ?? {};
    template.metadata = meta;
    meta.labels = {
      ...(rec(meta.labels) ?? {}),
      [JOB_UID_LABEL]: uid,
      [JOB_NAME_LABEL]: name,
      [LEGACY_JOB_UID_LABEL]: uid,
      [LEGACY_JOB_NAME_LABEL]: name,
    };
  }
  spec.selector = { matchLabels: { [JOB_UID_LABEL]: uid } };
}

export const jobStrategy: Strategy = {
  prepareForCreate(job: KubeObject): void {
    job.status = {};
    generateJobSelector(job);
  },
};

/** Kinds whose status belongs to a controller (or nobody): it starts empty. */
export const emptyStatusStrategy: Strategy = {
  prepareForCreate(obj: KubeObject): void {
    obj.status = {};
  },
};
