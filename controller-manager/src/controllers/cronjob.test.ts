import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { CronJobController, SCHEDULED_TIMESTAMP_ANNOTATION } from './cronjob.js';
import { mostRecentSchedule, parseGoDuration, parseSchedule } from './cronjob-schedule.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { silentLog } from '../testing/fixtures.js';

const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);

function setup() {
  const api = new InProcessApi();
  const cronjobs = new FakeCache<CronJob>(api, 'cronjobs');
  const jobs = new FakeCache<Job>(api, 'jobs');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const ctrl = new CronJobController({ api, cronjobs, jobs, queue, recorder, clock: api.clock, log: silentLog });
  return { api, queue, recorder, settle: () => drain([{ ctrl, queue }]) };
}

function cronjob(name: string, spec: Partial<CronJob['spec']> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'kubelab/busybox' }] } } },
      },
      ...spec,
    },
  };
}

async function complete(api: InProcessApi, j: Job, type: 'Complete' | 'Failed'): Promise<void> {
  const now = new Date(api.clock.now()).toISOString();
  await api.updateStatus('jobs', {
    ...j,
    status: {
      startTime: now,
      completionTime: type === 'Complete' ? now : undefined,
      conditions: [{ type, status: 'True' }],
    },
  });
}

test('schedules: 5 fields, descriptors, @every, time zones', () => {
  assert.equal(parseSchedule('*/5 * * * *').next(T0 + 1), T0 + 5 * 60_000);
  assert.equal(parseSchedule('@hourly').next(T0), T0 + 3_600_000);
  assert.equal(parseSchedule('@daily').next(T0 + 1), T0 + 86_400_000);
  assert.equal(parseSchedule('@every 90s').next(T0), T0 + 90_000);
  assert.equal(
    parseSchedule('0 9 * * *', 'Europe/Berlin').next(T0),
    T0 + 8 * 3_600_000,
    '09:00 in Berlin is 08:00 UTC in winter',
  );
  assert.throws(() => parseSchedule('* * * *'), /expected exactly 5 fields/);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('1x'), undefined);
  const s = parseSchedule('* * * * *');
  assert.deepEqual(mostRecentSchedule(s, T0, T0 + 3 * 60_000 + 5000), { time: T0 + 3 * 60_000, missed: 3 });
  assert.equal(mostRecentSchedule(s, T0, T0 + 30_000), undefined);
});

test('creates <name>-<minutes> Jobs at scheduled times and tracks active / lastScheduleTime', async () => {
  const { api, queue, recorder, settle } = setup();
  await api.create('cronjobs', cronjob('hello'));
  await settle();
  assert.equal(api.objects('jobs').length, 0, 'nothing is due yet');
  const wait = queue.delayed.find((d) => d.key === 'default/hello')!;
  assert.ok(wait.ms > 299_000 && wait.ms <= 300_100, `requeued for the next time (${wait.ms})`);
  api.clock.advance(5 * 60_000);
  queue.promoteDelayed();
  await settle();
  const jobs = api.objects<Job>('jobs');
  assert.equal(jobs.length, 1);
  const j = jobs[0]!;
  assert.equal(j.metadata.name, `hello-${(T0 + 5 * 60_000) / 60_000}`);
  assert.equal(j.metadata.annotations![SCHEDULED_TIMESTAMP_ANNOTATION], '2024-01-01T00:05:00Z');
  assert.equal(j.metadata.labels!['app'], 'hello');
  assert.equal(j.metadata.ownerReferences![0]!.kind, 'CronJob');
  let cj = api.peek<CronJob>('cronjobs', 'default', 'hello')!;
  assert.equal(cj.status!.lastScheduleTime, '2024-01-01T00:05:00Z');
  assert.deepEqual(
    cj.status!.active!.map((r) => r.name),
    [j.metadata.name],
  );
  assert.ok(recorder.lines().includes(`Normal SuccessfulCreate Created job ${j.metadata.name}`));
  await complete(api, j, 'Complete');
  await settle();
  cj = api.peek<CronJob>('cronjobs', 'default', 'hello')!;
  assert.equal(cj.status!.active, undefined);
  assert.ok(cj.status!.lastSuccessfulTime);
  assert.ok(recorder.lines().some((l) => l.startsWith('Normal SawCompletedJob')));
});

test('concurrencyPolicy Forbid skips, Replace deletes the running Job', async () => {
  const { api, queue, recorder, settle } = setup();
  await api.create('cronjobs', cronjob('f', { schedule: '* * * * *', concurrencyPolicy: 'Forbid' }));
  api.clock.advance(60_000);
  await settle();
  assert.equal(api.objects('jobs').length, 1);
  api.clock.advance(60_000);
  queue.promoteDelayed();
  await settle();
  assert.equal(api.objects('jobs').length, 1, 'Forbid: no second Job while one runs');
  assert.ok(recorder.lines().some((l) => l.includes('JobAlreadyActive')));

  await api.create('cronjobs', cronjob('r', { schedule: '* * * * *', concurrencyPolicy: 'Replace' }));
  api.clock.advance(60_000);
  await settle();
  const first = api.objects<Job>('jobs').filter((j) => j.metadata.name!.startsWith('r-'));
  assert.equal(first.length, 1);
  api.clock.advance(60_000);
  queue.promoteDelayed();
  await settle();
  const now = api.objects<Job>('jobs').filter((j) => j.metadata.name!.startsWith('r-'));
  assert.equal(now.length, 1);
  assert.notEqual(now[0]!.metadata.name, first[0]!.metadata.name, 'Replace: the old Job was deleted');
});

test('suspend and startingDeadlineSeconds', async () => {
  const { api, queue, recorder, settle } = setup();
  await api.create('cronjobs', cronjob('s', { schedule: '* * * * *', suspend: true }));
  api.clock.advance(5 * 60_000);
  await settle();
  assert.equal(api.objects('jobs').length, 0);
  await api.create('cronjobs', cronjob('d', { schedule: '0 * * * *', startingDeadlineSeconds: 10 }));
  api.clock.advance(60 * 60_000 + 30_000); // 30s past the hour: too late
  queue.promoteDelayed();
  await settle();
  assert.equal(api.objects('jobs').length, 0);
  void recorder;
});

test('history limits delete the oldest finished Jobs', async () => {
  const { api, queue, settle } = setup();
  await api.create(
    'cronjobs',
    cronjob('h', { schedule: '* * * * *', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 }),
  );
  for (let i = 0; i < 3; i++) {
    api.clock.advance(60_000);
    queue.promoteDelayed();
    await settle();
    const running = api.objects<Job>('jobs').filter((j) => !j.status?.conditions);
    for (const j of running) await complete(api, j, i === 2 ? 'Failed' : 'Complete');
    await settle();
  }
  const left = api.objects<Job>('jobs');
  assert.equal(left.length, 1, 'one successful kept, no failed kept');
  assert.equal(left[0]!.status!.conditions![0]!.type, 'Complete');
});
