/** Job and CronJob validation (batch/v1), with upstream's field paths and messages. */
import { canonical } from '../hash.js';
import type { KubeObject } from '../types.js';
import { cronScheduleError } from './cron.js';
import { forbidden, invalid, notSupported, required, type FieldError } from './errors.js';
import { asRecord, nonNegativeInt, validateObjectMeta } from './meta.js';
import { validatePodTemplate } from './pod.js';
import { goLabelSelector, validateSelector, validateTemplateMatches } from './apps.js';

export const JOB_RESTART_POLICIES = ['OnFailure', 'Never'];
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
/** Upstream's validation.CronJobNameMaxLength: 63 minus the 11 characters of "-<minutes>". */
export const CRONJOB_NAME_MAX = 52;

const same = (a: unknown, b: unknown): boolean =>
  JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));

/** The parts of a JobSpec shared by Jobs and CronJob job templates; `withSelector` for Jobs. */
export function validateJobSpec(specRaw: unknown, field: string, withSelector: boolean): FieldError[] {
  const spec = asRecord(specRaw);
  const errs: FieldError[] = [];
  errs.push(...nonNegativeInt(spec.parallelism, `${field}.parallelism`));
  errs.push(...nonNegativeInt(spec.completions, `${field}.completions`));
  errs.push(...nonNegativeInt(spec.backoffLimit, `${field}.backoffLimit`));
  errs.push(...nonNegativeInt(spec.ttlSecondsAfterFinished, `${field}.ttlSecondsAfterFinished`));
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && (typeof ads !== 'number' || !Number.isInteger(ads) || ads <= 0))
    errs.push(invalid(`${field}.activeDeadlineSeconds`, ads, 'must be greater than 0'));
  if (spec.completionMode !== undefined && !COMPLETION_MODES.includes(String(spec.completionMode)))
    errs.push(notSupported(`${field}.completionMode`, spec.completionMode, COMPLETION_MODES));
  if (spec.completionMode === 'Indexed' && (spec.completions === undefined || spec.completions === null))
    errs.push(required(`${field}.completions`, 'when completion mode is Indexed'));
  if (withSelector) {
    errs.push(...validateSelector(spec.selector, `${field}.selector`, 'job'));
  }
  if (spec.template === undefined || spec.template === null) errs.push(required(`${field}.template`));
  else {
    if (withSelector && spec.selector) errs.push(...validateTemplateMatches(spec, field));
    errs.push(...validatePodTemplate(spec.template, `${field}.template`, { restartPolicies: JOB_RESTART_POLICIES }));
  }
  return errs;
}

export function validateJob(job: KubeObject): FieldError[] {
  return [...validateObjectMeta(job.metadata, { namespaced: true }), ...validateJobSpec(job.spec, 'spec', true)];
}

export function validateJobUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateJob(job);
  const spec = asRecord(job.spec);
  const prev = asRecord(old.spec);
  if (!same(spec.selector, prev.selector))
    errs.push(invalid('spec.selector', goLabelSelector(spec.selector as never), 'field is immutable'));
  if (!same(spec.completions, prev.completions))
    errs.push(invalid('spec.completions', spec.completions ?? null, 'field is immutable'));
  if (!same(spec.completionMode, prev.completionMode))
    errs.push(invalid('spec.completionMode', spec.completionMode ?? '', 'field is immutable'));
  // The template may change only while the Job is suspended (upstream's mutable scheduling directives aside).
  if (!same(spec.template, prev.template) && prev.suspend !== true)
    errs.push(invalid('spec.template', '(object)', 'field is immutable'));
  return errs;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function validateCronJob(cj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(cj.metadata, { namespaced: true });
  const name = cj.metadata?.name;
  if (name && name.length > CRONJOB_NAME_MAX)
    errs.push(invalid('metadata.name', name, `must be no more than ${CRONJOB_NAME_MAX} characters`));
  const spec = asRecord(cj.spec);
  const schedule = spec.schedule;
  if (schedule === undefined || schedule === null || schedule === '') errs.push(required('spec.schedule'));
  else if (typeof schedule !== 'string') errs.push(invalid('spec.schedule', schedule, 'must be a string'));
  else if (schedule.includes('TZ'))
    errs.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else {
    const msg = cronScheduleError(schedule);
    if (msg) errs.push(invalid('spec.schedule', schedule, msg));
  }
  if (spec.timeZone !== undefined && spec.timeZone !== null) {
    const tz = String(spec.timeZone);
    if (tz === '' || !validTimeZone(tz)) errs.push(invalid('spec.timeZone', spec.timeZone, `unknown time zone ${tz}`));
  }
  if (spec.concurrencyPolicy === undefined || spec.concurrencyPolicy === '')
    errs.push(required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(String(spec.concurrencyPolicy)))
    errs.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, CONCURRENCY_POLICIES));
  errs.push(...nonNegativeInt(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  errs.push(...nonNegativeInt(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegativeInt(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  const jt = asRecord(spec.jobTemplate);
  if (spec.jobTemplate === undefined || spec.jobTemplate === null) errs.push(required('spec.jobTemplate'));
  else {
    if (asRecord(jt.spec).manualSelector === true && asRecord(jt.spec).selector) {
      // allowed upstream only with a selector that matches; nothing extra here
    } else if (asRecord(jt.spec).selector)
      errs.push(forbidden('spec.jobTemplate.spec.selector', '`selector` will be auto-generated'));
    errs.push(...validateJobSpec(jt.spec, 'spec.jobTemplate.spec', false));
  }
  return errs;
}
