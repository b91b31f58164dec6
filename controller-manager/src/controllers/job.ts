/**
 * Job controller: runs pods from spec.template until spec.completions of them succeeded (or, with
 * completions unset, until one succeeded and none is active), at most spec.parallelism at a time.
 * Failures (plus container restarts under restartPolicy OnFailure) beyond spec.backoffLimit, or
 * a run longer than activeDeadlineSeconds, fail the Job; replacements after failures wait the
 * upstream back-off (10s doubled per failure, at most 6m). Conditions follow 1.31+: the terminal
 * SuccessCriteriaMet / FailureTarget first, then Complete / Failed once no pod is left running.
 * Finished Jobs with ttlSecondsAfterFinished are deleted when it expires.
 */
import type { Logger } from 'pino';
import { rfc3339, type Clock, type Job, type JobCondition, type KubeObject, type Pod } from '@kubelab/api';
import { objectKey, splitKey } from '@kubelab/client';
import type { EventRecorder } from '@kubelab/client/events';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { Expectations } from './expectations.js';
import { ownedPodHandlers } from './owned-pods.js';
import {
  backoffRemainingMs,
  buildStatus,
  classifyPods,
  condition,
  finishedAt,
  isJobFinished,
  readyCount,
  restartsOf,
  setCondition,
} from './job-status.js';
import { podKey } from './replicaset-pods.js';
import { slowStartBatch } from '../util/batch.js';
import { errorMessage, isNotFound, semanticEqual } from '../util/objects.js';
import { ownedBy, podFromTemplate } from '../util/owned.js';

export const JOB_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

export interface JobControllerDeps {
  api: ApiLike;
  jobs: Cache<Job>;
  pods: Cache<Pod>;
  queue: KeyQueue;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
}

export class JobController implements Controller {
  readonly name = 'job-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  readonly expectations: Expectations;

  constructor(private readonly d: JobControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.jobs, d.pods];
    this.expectations = new Expectations(d.clock);
    d.jobs.addHandlers({
      add: (j) => this.queue.add(objectKey(j)),
      update: (_o, j) => this.queue.add(objectKey(j)),
      delete: (j) => this.expectations.delete(objectKey(j)),
    });
    d.pods.addHandlers(ownedPodHandlers(d.jobs as Cache<KubeObject>, 'Job', this.queue, this.expectations));
  }

  private now(): number {
    return this.d.clock.now();
  }

  async reconcile(key: string): Promise<void> {
    const job = this.d.jobs.get(key);
    if (!job) return;
    if (isJobFinished(job)) return this.handleTtl(job);
    if (job.metadata.deletionTimestamp) return;
    // Expectations gate creates and deletes only; status is always written from what is seen.
    const canManage = this.expectations.satisfied(key);
    const nowMs = this.now();
    const nowIso = rfc3339(nowMs);
    const spec = job.spec;
    const pods = classifyPods(ownedBy(this.d.pods.list(), job));
    const prev = job.status ?? {};
    const succeeded = Math.max(prev.succeeded ?? 0, pods.succeeded.length);
    let failed = Math.max(prev.failed ?? 0, pods.failed.length);
    let conditions: JobCondition[] = [...(prev.conditions ?? [])];
    const suspended = spec.suspend === true;
    let startTime = prev.startTime;
    if (!startTime && !suspended) startTime = nowIso;
    const backoffLimit = spec.backoffLimit ?? 6;
    const restarts = spec.template.spec.restartPolicy === 'OnFailure' ? restartsOf(pods.active) : 0;
    const completions = spec.completions ?? undefined;
    let completionTime: string | undefined;

    // Terminal decisions: a target condition first, the final one when no pod is running any more.
    let failureTarget = condition(job, 'FailureTarget');
    let successMet = condition(job, 'SuccessCriteriaMet');
    if (!failureTarget && !successMet) {
      const deadline = spec.activeDeadlineSeconds;
      if (failed + restarts > backoffLimit) {
        conditions = setCondition(
          conditions,
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
          nowIso,
        );
      } else if (
        deadline !== undefined &&
        startTime &&
        !suspended &&
        Date.parse(startTime) + deadline * 1000 <= nowMs
      ) {
        conditions = setCondition(
          conditions,
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
          nowIso,
        );
      } else if (
        (completions !== undefined && succeeded >= completions) ||
        (completions === undefined && succeeded > 0 && pods.active.length === 0)
      ) {
        conditions = setCondition(
          conditions,
          {
            type: 'SuccessCriteriaMet',
            status: 'True',
            reason: 'CompletionsReached',
            message: 'Reached expected number of succeeded pods',
          },
          nowIso,
        );
      }
      failureTarget = conditions.find((c) => c.type === 'FailureTarget');
      successMet = conditions.find((c) => c.type === 'SuccessCriteriaMet');
    }

    let manageError: unknown;
    if (failureTarget || successMet) {
      // Finishing: no pod may keep running.
      if (canManage) await this.deletePods(job, pods.active).catch((err: unknown) => (manageError = err));
      if (pods.active.length === 0 && pods.terminating.length === 0) {
        if (failureTarget) {
          conditions = setCondition(
            conditions,
            { type: 'Failed', status: 'True', reason: failureTarget.reason, message: failureTarget.message },
            nowIso,
          );
          this.d.recorder.event(
            job,
            'Warning',
            failureTarget.reason ?? 'Failed',
            failureTarget.message ?? 'Job failed',
          );
        } else {
          conditions = setCondition(
            conditions,
            {
              type: 'Complete',
              status: 'True',
              reason: 'CompletionsReached',
              message: 'Reached expected number of succeeded pods',
            },
            nowIso,
          );
          completionTime = nowIso;
          this.d.recorder.event(job, 'Normal', 'Completed', 'Job completed');
        }
      }
    } else {
      conditions = this.suspendCondition(job, conditions, suspended, nowIso);
      const parallelism = suspended ? 0 : (spec.parallelism ?? 1);
      const want =
        completions === undefined
          ? succeeded > 0
            ? 0
            : parallelism
          : Math.max(0, Math.min(parallelism, completions - succeeded));
      const diff = want - pods.active.length;
      try {
        if (!canManage) {
          // wait for the informer to show our last creates/deletes
        } else if (diff > 0) {
          const lastFailure = Math.max(0, ...pods.failed.map((p) => finishedAt(p) ?? 0));
          const wait = backoffRemainingMs(failed + restarts, pods.failed.length > 0 ? lastFailure : undefined, nowMs);
          if (wait > 0) this.queue.addAfter(key, wait + 100);
          else await this.createPods(job, diff);
        } else if (diff < 0) {
          const victims = [...pods.active]
            .sort(
              (a, b) =>
                Number(readyFirst(a)) - Number(readyFirst(b)) ||
                (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
            )
            .slice(0, -diff);
          await this.deletePods(job, victims);
        }
      } catch (err) {
        manageError = err;
      }
      if (spec.activeDeadlineSeconds !== undefined && startTime && !suspended)
        this.queue.addAfter(key, Math.max(0, Date.parse(startTime) + spec.activeDeadlineSeconds * 1000 - nowMs) + 100);
    }
    if (failed < pods.failed.length) failed = pods.failed.length;
    const status = buildStatus(
      prev,
      {
        active: pods.active.length,
        ready: readyCount(pods.active),
        terminating: pods.terminating.length,
        succeeded,
        failed,
      },
      { conditions, startTime, completionTime },
    );
    await this.writeStatus(job, status);
    if (manageError !== undefined) throw manageError;
  }

  private suspendCondition(job: Job, conditions: JobCondition[], suspended: boolean, nowIso: string): JobCondition[] {
    const cur = condition(job, 'Suspended');
    if (suspended && cur?.status !== 'True') {
      this.d.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
      return setCondition(
        conditions,
        { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' },
        nowIso,
      );
    }
    if (!suspended && cur?.status === 'True') {
      this.d.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
      return setCondition(
        conditions,
        { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' },
        nowIso,
      );
    }
    return conditions;
  }

  private async createPods(job: Job, n: number): Promise<void> {
    const key = objectKey(job);
    this.expectations.expectCreations(key, n);
    const { successes, error } = await slowStartBatch(n, 1, async () => {
      const pod = podFromTemplate(job, 'batch/v1', 'Job', job.spec.template, {
        generateName: `${job.metadata.name ?? ''}-`,
      });
      try {
        const created = await this.d.api.create('pods', pod, job.metadata.namespace ?? 'default');
        this.d.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        this.d.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
        throw err;
      }
    });
    for (let i = 0; i < n - successes; i++) this.expectations.creationObserved(key);
    if (error !== undefined) throw error;
  }

  private async deletePods(job: Job, pods: Pod[]): Promise<void> {
    if (pods.length === 0) return;
    const key = objectKey(job);
    this.expectations.expectDeletions(key, pods.map(podKey));
    const errors: unknown[] = [];
    await Promise.all(
      pods.map(async (p) => {
        try {
          await this.d.api.delete('pods', p.metadata.namespace ?? '', p.metadata.name ?? '', {
            preconditionUid: p.metadata.uid,
          });
          this.d.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, podKey(p));
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  private async writeStatus(job: Job, status: Job['status']): Promise<void> {
    if (semanticEqual(job.status, status)) return;
    // A conflict means our view is stale: the queue retries once the cache has the newer Job.
    await this.d.api.updateStatus('jobs', { ...job, status });
  }

  /** ttlSecondsAfterFinished: delete the finished Job (and, by the GC, its pods) once it expires. */
  private async handleTtl(job: Job): Promise<void> {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp) return;
    const fin = (job.status?.conditions ?? []).find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    const at = Date.parse(job.status?.completionTime ?? fin?.lastTransitionTime ?? '') || this.now();
    const left = at + ttl * 1000 - this.now();
    if (left > 0) {
      this.queue.addAfter(objectKey(job), left + 100);
      return;
    }
    const { namespace, name } = splitKey(objectKey(job));
    try {
      await this.d.api.delete('jobs', namespace, name, {
        propagationPolicy: 'Background',
        preconditionUid: job.metadata.uid,
      });
      this.d.log.info({ job: objectKey(job) }, 'finished job deleted after ttlSecondsAfterFinished');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** Not-ready pods sort first when scaling down. */
function readyFirst(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
