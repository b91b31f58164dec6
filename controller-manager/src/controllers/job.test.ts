import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339, type Job, type Pod } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { JobController } from './job.js';
import { backoffRemainingMs } from './job-status.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { silentLog } from '../testing/fixtures.js';

function setup() {
  const api = new InProcessApi();
  const jobs = new FakeCache<Job>(api, 'jobs');
  const pods = new FakeCache<Pod>(api, 'pods');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const ctrl = new JobController({ api, jobs, pods, queue, recorder, clock: api.clock, log: silentLog });
  return { api, queue, recorder, ctrl, settle: () => drain([{ ctrl, queue }]) };
}

function job(name: string, spec: Partial<Job['spec']> = {}): Job {
  const labels = { 'batch.kubernetes.io/controller-uid': `uid-${name}`, 'batch.kubernetes.io/job-name': name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'kubelab/busybox' }] },
      },
      ...spec,
    },
  };
}

async function finish(api: InProcessApi, pod: Pod, phase: 'Succeeded' | 'Failed'): Promise<void> {
  const at = rfc3339(api.clock.now());
  await api.updateStatus('pods', {
    ...pod,
    status: {
      phase,
      containerStatuses: [
        {
          name: 'c',
          ready: false,
          restartCount: 0,
          image: 'x',
          imageID: '',
          state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, finishedAt: at } },
        },
      ],
    } as Pod['status'],
  });
}

const jobPods = (api: InProcessApi): Pod[] => api.objects<Pod>('pods').filter((p) => !p.metadata.deletionTimestamp);

test('runs completions pods, parallelism at a time, and completes with upstream conditions', async () => {
  const { api, recorder, settle } = setup();
  await api.create('jobs', job('pi', { completions: 3, parallelism: 2 }));
  await settle();
  let pods = jobPods(api);
  assert.equal(pods.length, 2);
  for (const p of pods) {
    assert.match(p.metadata.name!, /^pi-/);
    assert.equal(p.metadata.labels!['batch.kubernetes.io/job-name'], 'pi');
    assert.equal(p.metadata.ownerReferences![0]!.kind, 'Job');
  }
  let j = api.peek<Job>('jobs', 'default', 'pi')!;
  assert.equal(j.status!.active, 2);
  assert.ok(j.status!.startTime);
  await finish(api, pods[0]!, 'Succeeded');
  await settle();
  pods = jobPods(api).filter((p) => p.status?.phase !== 'Succeeded');
  assert.equal(pods.length, 2, 'a replacement keeps 2 running (3 completions - 1 done)');
  for (const p of pods) await finish(api, p, 'Succeeded');
  await settle();
  j = api.peek<Job>('jobs', 'default', 'pi')!;
  assert.equal(j.status!.succeeded, 3);
  assert.equal(j.status!.active, undefined);
  assert.deepEqual(
    j.status!.conditions!.map((c) => `${c.type}=${c.status}`),
    ['SuccessCriteriaMet=True', 'Complete=True'],
  );
  assert.ok(j.status!.completionTime);
  assert.ok(recorder.lines().includes('Normal Completed Job completed'));
  assert.equal(api.count('create', 'pods'), 3);
});

test('backoffLimit: failures beyond it fail the Job; replacements wait the exponential back-off', async () => {
  const { api, queue, recorder, settle } = setup();
  await api.create('jobs', job('bad', { backoffLimit: 1 }));
  await settle();
  await finish(api, jobPods(api)[0]!, 'Failed');
  await settle();
  assert.equal(api.count('create', 'pods'), 1, 'replacement waits for the back-off');
  assert.ok(queue.delayed.some((d) => d.key === 'default/bad' && d.ms > 9000 && d.ms <= 10_100));
  api.clock.advance(10_001);
  queue.promoteDelayed();
  await settle();
  assert.equal(api.count('create', 'pods'), 2);
  // A new pod is Pending (the apiserver sets the phase on create).
  const second = jobPods(api).find((p) => p.status?.phase === 'Pending')!;
  await finish(api, second, 'Failed');
  await settle();
  const j = api.peek<Job>('jobs', 'default', 'bad')!;
  assert.equal(j.status!.failed, 2);
  assert.deepEqual(
    j.status!.conditions!.map((c) => `${c.type}=${c.status}:${c.reason}`),
    ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded'],
  );
  assert.ok(recorder.lines().includes('Warning BackoffLimitExceeded Job has reached the specified backoff limit'));
  assert.equal(api.count('create', 'pods'), 2);
});

test('back-off doubles per failure and is capped at 6 minutes', () => {
  assert.equal(backoffRemainingMs(1, 0, 0), 10_000);
  assert.equal(backoffRemainingMs(3, 0, 0), 40_000);
  assert.equal(backoffRemainingMs(20, 0, 0), 360_000);
  assert.equal(backoffRemainingMs(2, 0, 25_000), 0);
});

test('activeDeadlineSeconds: running pods are deleted and the Job fails with DeadlineExceeded', async () => {
  const { api, queue, settle } = setup();
  await api.create('jobs', job('slow', { activeDeadlineSeconds: 30 }));
  await settle();
  const pod = jobPods(api)[0]!;
  await api.bind('default', pod.metadata.name!, 'n1');
  assert.ok(queue.delayed.some((d) => d.key === 'default/slow'));
  api.clock.advance(31_000);
  queue.promoteDelayed();
  await settle();
  let j = api.peek<Job>('jobs', 'default', 'slow')!;
  assert.equal(j.status!.conditions![0]!.reason, 'DeadlineExceeded');
  assert.equal(j.status!.conditions!.length, 1, 'Failed only once the pod is gone');
  assert.equal(j.status!.terminating, 1);
  await api.finishPodDeletion('default', pod.metadata.name!);
  await settle();
  j = api.peek<Job>('jobs', 'default', 'slow')!;
  assert.deepEqual(
    j.status!.conditions!.map((c) => c.type),
    ['FailureTarget', 'Failed'],
  );
});

test('suspend: no pods, Suspended condition', async () => {
  const { api, settle } = setup();
  await api.create('jobs', job('s', { suspend: true }));
  await settle();
  assert.equal(api.objects('pods').length, 0);
  const j = api.peek<Job>('jobs', 'default', 's')!;
  assert.equal(j.status!.conditions![0]!.type, 'Suspended');
  assert.equal(j.status!.startTime, undefined);
});

test('ttlSecondsAfterFinished deletes the finished Job', async () => {
  const { api, queue, settle } = setup();
  await api.create('jobs', job('t', { ttlSecondsAfterFinished: 5 }));
  await settle();
  await finish(api, jobPods(api)[0]!, 'Succeeded');
  await settle();
  assert.ok(api.peek('jobs', 'default', 't'));
  api.clock.advance(6000);
  queue.promoteDelayed();
  await settle();
  assert.equal(api.peek('jobs', 'default', 't'), undefined);
});
