/**
 * CronJob controller: creates a Job `<cronjob>-<scheduled minutes since epoch>` from
 * spec.jobTemplate at each scheduled time (5-field schedules and descriptors, spec.timeZone),
 * honours suspend, startingDeadlineSeconds and concurrencyPolicy (Allow / Forbid / Replace),
 * keeps status.active and lastScheduleTime / lastSuccessfulTime, and deletes finished Jobs beyond
 * successfulJobsHistoryLimit / failedJobsHistoryLimit (oldest first).
 */
import type { Logger } from 'pino';
import { rfc3339, type Clock, type CronJob, type Job, type KubeObject, type ObjectReference } from '@kubelab/api';
import { objectKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { mostRecentSchedule, parseSchedule } from './cronjob-schedule.js';
import {
  errorMessage,
  isAlreadyExists,
  isConflict,
  isNotFound,
  newControllerRef,
  semanticEqual,
} from '../util/objects.js';
import { enqueueOwnerHandlers, ownedBy } from '../util/owned.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobControllerDeps {
  api: ApiLike;
  cronjobs: Cache<CronJob>;
  jobs: Cache<Job>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

function finishedType(job: Job): 'Complete' | 'Failed' | undefined {
  const c = (job.status?.conditions ?? []).find(
    (x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
  );
  return c?.type as 'Complete' | 'Failed' | undefined;
}

const jobRef = (j: Job): ObjectReference => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  name: j.metadata.name,
  namespace: j.metadata.namespace,
  uid: j.metadata.uid,
  resourceVersion: j.metadata.resourceVersion,
});

/** The Job created for the scheduled time `t`. */
export function jobFromCronJob(cj: CronJob, t: number): Job {
  const tmpl = cj.spec.jobTemplate;
  const meta = tmpl.metadata ?? {};
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${cj.metadata.name ?? ''}-${Math.floor(t / 60_000)}`,
      namespace: cj.metadata.namespace ?? 'default',
      labels: { ...(meta.labels ?? {}) },
      annotations: { ...(meta.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339(t) },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: structuredClone(tmpl.spec),
  };
  if (Object.keys(job.metadata.labels!).length === 0) delete job.metadata.labels;
  return job;
}

export class CronJobController implements Controller {
  readonly name = 'cronjob-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];

  constructor(private readonly d: CronJobControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.cronjobs, d.jobs];
    d.cronjobs.addHandlers({
      add: (c) => this.queue.add(objectKey(c)),
      update: (_o, c) => this.queue.add(objectKey(c)),
    });
    d.jobs.addHandlers(enqueueOwnerHandlers<Job>(d.cronjobs as Cache<KubeObject>, 'CronJob', this.queue));
  }

  async reconcile(key: string): Promise<void> {
    const cj = this.d.cronjobs.get(key);
    if (!cj) return;
    const nowMs = this.d.clock.now();
    const jobs = ownedBy(this.d.jobs.list(), cj);
    const status = structuredClone(cj.status ?? {});
    await this.syncActive(cj, jobs, status);
    await this.cleanupHistory(cj, jobs);
    if (!cj.metadata.deletionTimestamp && cj.spec.suspend !== true) {
      try {
        await this.schedule(cj, jobs, status, nowMs, key);
      } catch (err) {
        await this.writeStatus(cj, status);
        throw err;
      }
    }
    await this.writeStatus(cj, status);
  }

  /** status.active: owned Jobs still running; finished ones leave it (with SawCompletedJob). */
  private async syncActive(cj: CronJob, jobs: Job[], status: NonNullable<CronJob['status']>): Promise<void> {
    const byUid = new Map(jobs.map((j) => [j.metadata.uid, j]));
    const active: ObjectReference[] = [];
    for (const ref of status.active ?? []) {
      const j = byUid.get(ref.uid);
      if (!j) {
        // Not in the cache: gone, or just created and not seen yet.
        try {
          const fresh = await this.d.api.get<Job>('jobs', cj.metadata.namespace ?? '', ref.name ?? '');
          if (fresh.metadata.uid === ref.uid && !finishedType(fresh)) active.push(ref);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          this.d.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        }
        continue;
      }
      const fin = finishedType(j);
      if (fin) {
        this.d.recorder.event(
          cj,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${j.metadata.name}, condition: ${fin}`,
        );
        if (fin === 'Complete') {
          const t = j.status?.completionTime;
          if (t && (!status.lastSuccessfulTime || Date.parse(t) > Date.parse(status.lastSuccessfulTime)))
            status.lastSuccessfulTime = t;
        }
        continue;
      }
      active.push(ref);
    }
    for (const j of jobs) {
      if (!finishedType(j) && !j.metadata.deletionTimestamp && !active.some((r) => r.uid === j.metadata.uid))
        active.push(jobRef(j));
    }
    if (active.length > 0) status.active = active;
    else delete status.active;
  }

  private async cleanupHistory(cj: CronJob, jobs: Job[]): Promise<void> {
    const byStart = (a: Job, b: Job): number =>
      Date.parse(a.status?.startTime ?? a.metadata.creationTimestamp ?? '') -
      Date.parse(b.status?.startTime ?? b.metadata.creationTimestamp ?? '');
    const limits: ['Complete' | 'Failed', number | undefined][] = [
      ['Complete', cj.spec.successfulJobsHistoryLimit],
      ['Failed', cj.spec.failedJobsHistoryLimit],
    ];
    for (const [type, limit] of limits) {
      if (limit === undefined || limit === null) continue;
      const done = jobs.filter((j) => finishedType(j) === type && !j.metadata.deletionTimestamp).sort(byStart);
      for (const j of done.slice(0, Math.max(0, done.length - limit))) await this.deleteJob(cj, j);
    }
  }

  private async deleteJob(cj: CronJob, j: Job): Promise<void> {
    try {
      await this.d.api.delete('jobs', j.metadata.namespace ?? '', j.metadata.name ?? '', {
        propagationPolicy: 'Background',
        preconditionUid: j.metadata.uid,
      });
      this.d.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      this.d.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async schedule(
    cj: CronJob,
    jobs: Job[],
    status: NonNullable<CronJob['status']>,
    nowMs: number,
    key: string,
  ): Promise<void> {
    let sched;
    try {
      sched = parseSchedule(cj.spec.schedule, cj.spec.timeZone);
    } catch (err) {
      this.d.recorder.event(
        cj,
        'Warning',
        'UnparseableSchedule',
        `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${errorMessage(err)}`,
      );
      return;
    }
    const requeueNext = (): void => this.queue.addAfter(key, Math.max(0, sched.next(nowMs) - nowMs) + 100);
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || nowMs;
    const sds = cj.spec.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null) earliest = Math.max(earliest, nowMs - sds * 1000);
    const due = mostRecentSchedule(sched, earliest, nowMs);
    if (!due) return requeueNext();
    if (due.missed > 100)
      this.d.recorder.event(
        cj,
        'Warning',
        'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      );
    if (sds !== undefined && sds !== null && due.time + sds * 1000 < nowMs) {
      this.d.recorder.event(
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${rfc3339(due.time)}`,
      );
      return requeueNext();
    }
    const name = `${cj.metadata.name ?? ''}-${Math.floor(due.time / 60_000)}`;
    if (jobs.some((j) => j.metadata.name === name)) {
      status.lastScheduleTime = rfc3339(due.time);
      return requeueNext();
    }
    const active = status.active ?? [];
    if (cj.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      this.d.recorder.event(
        cj,
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return requeueNext();
    }
    if (cj.spec.concurrencyPolicy === 'Replace') {
      for (const ref of active) {
        const j = jobs.find((x) => x.metadata.uid === ref.uid);
        if (j) await this.deleteJob(cj, j);
      }
      delete status.active;
    }
    let created: Job;
    try {
      created = await this.d.api.create('jobs', jobFromCronJob(cj, due.time), cj.metadata.namespace ?? 'default');
      this.d.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.d.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorMessage(err)}`);
        throw err;
      }
      created = await this.d.api.get<Job>('jobs', cj.metadata.namespace ?? '', name);
      if (created.metadata.ownerReferences?.find((r) => r.controller)?.uid !== cj.metadata.uid) return requeueNext();
    }
    status.lastScheduleTime = rfc3339(due.time);
    if (!finishedType(created) && !(status.active ?? []).some((r) => r.uid === created.metadata.uid))
      status.active = [...(status.active ?? []), jobRef(created)];
    requeueNext();
  }

  private async writeStatus(cj: CronJob, status: NonNullable<CronJob['status']>): Promise<void> {
    const strip = (s: unknown): unknown => {
      const c = structuredClone((s ?? {}) as Record<string, unknown>);
      for (const r of (c['active'] as Record<string, unknown>[] | undefined) ?? []) delete r['resourceVersion'];
      return c;
    };
    if (semanticEqual(strip(cj.status), strip(status))) return;
    try {
      await this.d.api.updateStatus('cronjobs', { ...cj, status });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const fresh = await this.d.api.get<CronJob>('cronjobs', cj.metadata.namespace ?? '', cj.metadata.name ?? '');
      await this.d.api.updateStatus('cronjobs', { ...fresh, status });
    }
  }
}
