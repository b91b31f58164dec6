/** Job and CronJob tables (upstream printJob / printCronJob). */
import { humanAge, type KubeObject, type LabelSelector } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, formatLabelSelector, int, list, nameOf, obj, str } from './format.js';

const templateCells = (templateSpec: Record<string, unknown>, selector: unknown): string[] => {
  const containers = list(obj(obj(templateSpec['template'])['spec'])['containers']);
  return [
    containers.map((c) => str(c['name'])).join(','),
    containers.map((c) => str(c['image'])).join(','),
    formatLabelSelector(selector as LabelSelector | undefined),
  ];
};

const hasCondition = (status: Record<string, unknown>, type: string): boolean =>
  list(status['conditions']).some((c) => c['type'] === type && c['status'] === 'True');

/** STATUS: Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet or Running. */
export function jobStatus(job: KubeObject): string {
  const s = obj(job.status);
  if (hasCondition(s, 'Complete')) return 'Complete';
  if (hasCondition(s, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(s, 'Suspended')) return 'Suspended';
  if (hasCondition(s, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(s, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

export function jobCompletions(job: KubeObject): string {
  const spec = obj(job.spec);
  const succeeded = int(obj(job.status)['succeeded']);
  if (typeof spec['completions'] === 'number') return `${succeeded}/${spec['completions']}`;
  const parallelism = int(spec['parallelism']);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

export function jobDuration(job: KubeObject, now: number): string {
  const s = obj(job.status);
  const start = str(s['startTime']);
  if (!start) return '';
  const end = str(s['completionTime']);
  return humanAge(start, end ? Date.parse(end) : now);
}

export const jobPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Status', 'Status of the job.'),
    col('Completions', 'The desired number of successfully finished pods the job should be run with.'),
    col('Duration', 'Time required to complete the job.'),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', 'A label query over pods that should match the pod count.', { priority: 1 }),
  ],
  cells(job, now) {
    const spec = obj(job.spec);
    return [
      nameOf(job),
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      age(job, now),
      ...templateCells(spec, spec['selector']),
    ];
  },
  conditions(job) {
    return list(obj(job.status)['conditions']).map((c) => ({ type: str(c['type']), status: str(c['status']) }));
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col(
      'Timezone',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.',
    ),
    col(
      'Suspend',
      'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.',
      { type: 'boolean' },
    ),
    col('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', 'A label query over pods that should match the pod count.', { priority: 1 }),
  ],
  cells(cj, now) {
    const spec = obj(cj.spec);
    const status = obj(cj.status);
    const jobSpec = obj(obj(spec['jobTemplate'])['spec']);
    const tz = str(spec['timeZone']) || '<none>';
    const suspend = typeof spec['suspend'] === 'boolean' ? (spec['suspend'] ? 'True' : 'False') : '<unset>';
    const last = str(status['lastScheduleTime']);
    return [
      nameOf(cj),
      str(spec['schedule']),
      tz,
      suspend,
      list(status['active']).length,
      last ? humanAge(last, now) : '<none>',
      age(cj, now),
      ...templateCells(jobSpec, jobSpec['selector']),
    ];
  },
};
