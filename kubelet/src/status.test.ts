import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@kubelab/api';
import { labelFields, type RuntimeContainer } from './runtime/runtime.js';
import { computePodStatus, containerStatuses, podPhase, podFinished, sameStatus, type Waiting } from './status.js';
import { qosClass } from './quantity.js';
import { makePod } from './testing/fakes.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
let seq = 0;

function ctr(
  pod: Pod,
  name: string,
  state: RuntimeContainer['state'],
  extra: Partial<RuntimeContainer> = {},
): RuntimeContainer {
  const rc = extra.restartCount ?? 0;
  const labels = {
    'io.kubernetes.pod.uid': pod.metadata.uid!,
    'io.kubernetes.container.name': name,
    'io.kubelab.restart-count': String(rc),
  };
  return {
    id: `c${++seq}`.padEnd(64, '0'),
    name: `k8s_${name}`,
    labels,
    ...labelFields(labels),
    state,
    createdAt: '2026-03-01T11:00:00.123456789Z',
    startedAt: state === 'created' ? undefined : '2026-03-01T11:00:01.5Z',
    image: 'img:1',
    imageRef: 'docker-pullable://img@sha256:abc',
    networks: name === 'POD' ? { net: '10.244.0.7' } : {},
    ...(state === 'exited' ? { exitCode: 0, finishedAt: '2026-03-01T11:30:00Z' } : {}),
    ...extra,
  } as RuntimeContainer;
}

function compute(pod: Pod, containers: RuntimeContainer[], waiting: Map<string, Waiting> = new Map(), now = NOW) {
  return computePodStatus({ pod, containers, waiting, hostIP: '10.244.0.2', network: 'net', now });
}

describe('container statuses', () => {
  it('running: startedAt in RFC 3339 seconds, ready, ids; lastState from the previous instance', () => {
    const pod = makePod('p', 'n');
    const prev = ctr(pod, 'app', 'exited', { exitCode: 2 });
    const cur = ctr(pod, 'app', 'running', { restartCount: 1 });
    const [s] = containerStatuses(pod, [prev, cur], new Map());
    assert.deepEqual(s!.state, { running: { startedAt: '2026-03-01T11:00:01Z' } });
    assert.equal(s!.lastState.terminated?.exitCode, 2);
    assert.equal(s!.lastState.terminated?.reason, 'Error');
    assert.equal(s!.lastState.terminated?.finishedAt, '2026-03-01T11:30:00Z');
    assert.equal(s!.lastState.terminated?.containerID, `docker://${prev.id}`);
    assert.equal(s!.restartCount, 1);
    assert.equal(s!.ready, true);
    assert.equal(s!.started, true);
    assert.equal(s!.containerID, `docker://${cur.id}`);
    assert.equal(s!.imageID, 'docker-pullable://img@sha256:abc');
    assert.equal(s!.image, 'img:1');
  });

  it("no container yet: waiting ContainerCreating, or the sync's reason", () => {
    const pod = makePod('p', 'n');
    assert.deepEqual(containerStatuses(pod, [], new Map())[0]!.state, { waiting: { reason: 'ContainerCreating' } });
    const w = new Map([['app', { reason: 'ErrImagePull', message: 'boom' }]]);
    const s = containerStatuses(pod, [], w)[0]!;
    assert.deepEqual(s.state, { waiting: { reason: 'ErrImagePull', message: 'boom' } });
    assert.equal(s.imageID, '');
    assert.equal(s.containerID, undefined);
  });

  it('terminated reasons: Completed, Error, OOMKilled, StartError', () => {
    const pod = makePod('p', 'n');
    const reason = (extra: Partial<RuntimeContainer>) =>
      containerStatuses(pod, [ctr(pod, 'app', 'exited', extra)], new Map())[0]!.state.terminated?.reason;
    assert.equal(reason({ exitCode: 0 }), 'Completed');
    assert.equal(reason({ exitCode: 1 }), 'Error');
    assert.equal(reason({ exitCode: 137, oomKilled: true }), 'OOMKilled');
    assert.equal(reason({ exitCode: 128, startError: 'no such file' }), 'StartError');
  });

  it('exited and backing off: waiting CrashLoopBackOff with the exit as lastState', () => {
    const pod = makePod('p', 'n');
    const cur = ctr(pod, 'app', 'exited', { exitCode: 1, restartCount: 3 });
    const s = containerStatuses(
      pod,
      [cur],
      new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 40s …' }]]),
    )[0]!;
    assert.equal(s.state.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(s.lastState.terminated?.exitCode, 1);
    assert.equal(s.restartCount, 3);
    assert.equal(s.ready, false);
  });
});

describe('phase', () => {
  const st = (pod: Pod, cs: RuntimeContainer[], w = new Map<string, Waiting>()) =>
    podPhase(pod, containerStatuses(pod, cs, w));

  it('Pending while any container has not started; Running once all have', () => {
    const pod = makePod('p', 'n', {
      containers: [
        { name: 'a', image: 'i' },
        { name: 'b', image: 'i' },
      ],
    });
    assert.equal(st(pod, []), 'Pending');
    assert.equal(st(pod, [ctr(pod, 'a', 'running')]), 'Pending');
    assert.equal(st(pod, [ctr(pod, 'a', 'running'), ctr(pod, 'b', 'running')]), 'Running');
    assert.equal(st(pod, [ctr(pod, 'a', 'running')], new Map([['b', { reason: 'ImagePullBackOff' }]])), 'Pending');
  });

  it('Always: all exited is still Running (restarting)', () => {
    const pod = makePod('p', 'n');
    assert.equal(st(pod, [ctr(pod, 'app', 'exited', { exitCode: 0 })]), 'Running');
  });

  it('OnFailure: Succeeded when all exit 0, Running while a failure restarts', () => {
    const pod = makePod('p', 'n', { restartPolicy: 'OnFailure' });
    assert.equal(st(pod, [ctr(pod, 'app', 'exited', { exitCode: 0 })]), 'Succeeded');
    assert.equal(st(pod, [ctr(pod, 'app', 'exited', { exitCode: 1 })]), 'Running');
  });

  it('Never: Failed when one fails, Succeeded when all succeed', () => {
    const pod = makePod('p', 'n', {
      restartPolicy: 'Never',
      containers: [
        { name: 'a', image: 'i' },
        { name: 'b', image: 'i' },
      ],
    });
    assert.equal(
      st(pod, [ctr(pod, 'a', 'exited', { exitCode: 0 }), ctr(pod, 'b', 'exited', { exitCode: 3 })]),
      'Failed',
    );
    assert.equal(
      st(pod, [ctr(pod, 'a', 'exited', { exitCode: 0 }), ctr(pod, 'b', 'exited', { exitCode: 0 })]),
      'Succeeded',
    );
    assert.equal(st(pod, [ctr(pod, 'a', 'exited', { exitCode: 0 }), ctr(pod, 'b', 'running')]), 'Running');
  });

  it('a terminal phase never changes back', () => {
    const pod = makePod('p', 'n', { restartPolicy: 'Never' });
    pod.status = { phase: 'Failed' };
    assert.equal(st(pod, [ctr(pod, 'app', 'running')]), 'Failed');
  });

  it('podFinished only when nothing will run again', () => {
    const never = makePod('p', 'n', { restartPolicy: 'Never' });
    assert.equal(podFinished(never, []), false);
    assert.equal(podFinished(never, [ctr(never, 'app', 'exited', { exitCode: 1 })]), true);
    const onFailure = makePod('p', 'n', { restartPolicy: 'OnFailure' });
    assert.equal(podFinished(onFailure, [ctr(onFailure, 'app', 'exited', { exitCode: 1 })]), false);
    assert.equal(podFinished(onFailure, [ctr(onFailure, 'app', 'exited', { exitCode: 0 })]), true);
    const always = makePod('p', 'n');
    assert.equal(podFinished(always, [ctr(always, 'app', 'exited', { exitCode: 0 })]), false);
  });
});

describe('pod status', () => {
  it('conditions keep their transition time while unchanged and move it on change', () => {
    const pod = makePod('p', 'n', {
      containers: [
        { name: 'a', image: 'i' },
        { name: 'b', image: 'i' },
      ],
    });
    const pause = ctr(pod, 'POD', 'running');
    const a = ctr(pod, 'a', 'running');
    const s1 = compute(pod, [pause, a]);
    const ready1 = s1.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready1.status, 'False');
    assert.equal(ready1.reason, 'ContainersNotReady');
    assert.equal(ready1.message, 'containers with unready status: [b]');
    assert.equal(ready1.lastTransitionTime, '2026-03-01T12:00:00Z');
    assert.deepEqual(
      s1.conditions!.map((c) => `${c.type}=${c.status}`),
      [
        'PodReadyToStartContainers=True',
        'Initialized=True',
        'Ready=False',
        'ContainersReady=False',
        'PodScheduled=True',
      ],
    );

    pod.status = s1;
    const later = NOW + 60_000;
    const s2 = compute(pod, [pause, a], new Map(), later);
    assert.equal(s2.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, '2026-03-01T12:00:00Z');
    assert.ok(sameStatus(s1, s2), 'nothing changed, nothing to write');

    const s3 = compute(pod, [pause, a, ctr(pod, 'b', 'running')], new Map(), later);
    const ready3 = s3.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready3.status, 'True');
    assert.equal(ready3.lastTransitionTime, '2026-03-01T12:01:00Z');
    assert.equal(ready3.message, undefined);
    assert.equal(s3.conditions!.find((c) => c.type === 'Initialized')!.lastTransitionTime, '2026-03-01T12:00:00Z');
    assert.equal(s3.startTime, '2026-03-01T12:00:00Z', 'startTime is set once');
  });

  it("keeps the scheduler's PodScheduled and foreign conditions", () => {
    const pod = makePod('p', 'n');
    pod.status = {
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'example.com/Gate', status: 'False' },
      ],
    };
    const s = compute(pod, []);
    assert.equal(s.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.ok(s.conditions!.some((c) => c.type === 'example.com/Gate'));
  });

  it('pod IP from the running sandbox only', () => {
    const pod = makePod('p', 'n');
    const withIP = compute(pod, [ctr(pod, 'POD', 'running'), ctr(pod, 'app', 'running')]);
    assert.equal(withIP.podIP, '10.244.0.7');
    assert.equal(withIP.hostIP, '10.244.0.2');
    assert.deepEqual(withIP.hostIPs, [{ ip: '10.244.0.2' }]);
    pod.status = withIP;
    const noSandbox = compute(pod, [ctr(pod, 'POD', 'exited'), ctr(pod, 'app', 'running')]);
    assert.equal(noSandbox.podIP, undefined);
    assert.equal(noSandbox.conditions!.find((c) => c.type === 'PodReadyToStartContainers')!.status, 'False');
  });

  it('QoS class from requests and limits', () => {
    const pod = (resources: unknown) => makePod('p', 'n', { containers: [{ name: 'a', image: 'i', resources }] });
    assert.equal(qosClass(pod(undefined)), 'BestEffort');
    assert.equal(qosClass(pod({ limits: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
    assert.equal(
      qosClass(pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } })),
      'Guaranteed',
    );
    assert.equal(qosClass(pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } })), 'Burstable');
    assert.equal(qosClass(pod({ requests: { memory: '64Mi' } })), 'Burstable');
    assert.equal(compute(pod({ limits: { cpu: '1', memory: '1Gi' } }), []).qosClass, 'Guaranteed');
  });
});
