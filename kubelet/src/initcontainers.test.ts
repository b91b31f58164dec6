import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@kubelab/api';
import { SANDBOX_NAME } from './runtime/runtime.js';
import { harness, NODE, type Harness } from './testing/harness.js';
import { makePod } from './testing/fakes.js';

const INITS = [
  { name: 'i1', image: 'img:1', command: ['sh', '-c', 'echo one'] },
  { name: 'i2', image: 'img:1', command: ['sh', '-c', 'echo two'] },
];

function newest(h: Harness, pod: Pod, name: string) {
  return h.runtime.podContainers(pod.metadata.uid!, name)[0];
}

function st(h: Harness, pod: Pod) {
  return h.get(pod)!.status!;
}

function cond(h: Harness, pod: Pod, type: string) {
  return st(h, pod).conditions?.find((c) => c.type === type);
}

describe('init containers', () => {
  it('run one at a time, in order, each to completion, before the app containers', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE, { initContainers: INITS }));
    await h.sync(pod);
    assert.equal(newest(h, pod, 'i1')?.state, 'running');
    assert.equal(newest(h, pod, 'i2'), undefined, 'i2 waits for i1');
    assert.equal(newest(h, pod, 'app'), undefined);
    let s = st(h, pod);
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(
      s.initContainerStatuses?.map((c) => [c.name, Object.keys(c.state)[0], c.ready]),
      [
        ['i1', 'running', false],
        ['i2', 'waiting', false],
      ],
    );
    assert.equal(s.initContainerStatuses?.[1]?.state.waiting?.reason, 'PodInitializing');
    assert.equal(s.containerStatuses?.[0]?.state.waiting?.reason, 'PodInitializing');
    assert.equal(cond(h, pod, 'Initialized')?.status, 'False');
    assert.equal(cond(h, pod, 'Initialized')?.reason, 'ContainersNotInitialized');
    assert.equal(cond(h, pod, 'Initialized')?.message, 'containers with incomplete status: [i1 i2]');

    await h.sync(pod);
    assert.equal(h.runtime.podContainers(pod.metadata.uid!, 'i1').length, 1, 'a running init container is left alone');
    h.runtime.exit(newest(h, pod, 'i1')!.id, 0);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'i2')?.state, 'running');
    assert.equal(newest(h, pod, 'app'), undefined);
    assert.equal(cond(h, pod, 'Initialized')?.message, 'containers with incomplete status: [i2]');
    assert.equal(st(h, pod).initContainerStatuses?.[0]?.state.terminated?.reason, 'Completed');
    assert.equal(st(h, pod).initContainerStatuses?.[0]?.ready, true);

    h.runtime.exit(newest(h, pod, 'i2')!.id, 0);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'app')?.state, 'running');
    s = st(h, pod);
    assert.equal(s.phase, 'Running');
    assert.equal(cond(h, pod, 'Initialized')?.status, 'True');
    assert.equal(cond(h, pod, 'Ready')?.status, 'True');
    assert.equal(
      h.runtime.podContainers(pod.metadata.uid!, 'i1').length,
      1,
      'completed init containers are not re-run',
    );
    // Creation order: sandbox, i1, i2, app.
    const order = [...h.runtime.containers.values()].map((c) => c.containerName);
    assert.deepEqual(order, [SANDBOX_NAME, 'i1', 'i2', 'app']);
  });

  it('restarts a failed init container with back-off; the app waits', async () => {
    const h = harness({ crashBaseMs: 10_000 });
    const pod = await h.add(makePod('web', NODE, { initContainers: INITS }));
    await h.sync(pod);
    h.runtime.exit(newest(h, pod, 'i1')!.id, 1);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'i1')?.restartCount, 1, 'first restart is immediate');
    assert.equal(newest(h, pod, 'i1')?.state, 'running');
    h.runtime.exit(newest(h, pod, 'i1')!.id, 1);
    await h.sync(pod);
    const s = st(h, pod);
    assert.equal(s.phase, 'Pending');
    const i1 = s.initContainerStatuses?.[0];
    assert.equal(i1?.state.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(i1?.lastState.terminated?.exitCode, 1);
    assert.equal(i1?.restartCount, 1);
    assert.equal(newest(h, pod, 'i2'), undefined);
    assert.equal(newest(h, pod, 'app'), undefined);
    h.clock.advance(10_000);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'i1')?.restartCount, 2);
  });

  it('fails the pod when an init container fails and restartPolicy is Never', async () => {
    const h = harness();
    const pod = await h.add(makePod('job', NODE, { restartPolicy: 'Never', initContainers: INITS }));
    await h.sync(pod);
    h.runtime.exit(newest(h, pod, 'i1')!.id, 2);
    await h.sync(pod);
    const s = st(h, pod);
    assert.equal(s.phase, 'Failed');
    assert.equal(s.initContainerStatuses?.[0]?.state.terminated?.exitCode, 2);
    assert.equal(s.initContainerStatuses?.[0]?.state.terminated?.reason, 'Error');
    assert.equal(h.runtime.podContainers(pod.metadata.uid!, 'i1').length, 1, 'not restarted');
    assert.equal(newest(h, pod, 'app'), undefined, 'the app never ran');
    await h.sync(pod);
    assert.equal(newest(h, pod, SANDBOX_NAME), undefined, 'the sandbox of a failed pod goes');
  });

  it('runs them again in a new sandbox', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE, { initContainers: [INITS[0]!] }));
    await h.sync(pod);
    h.runtime.exit(newest(h, pod, 'i1')!.id, 0);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'app')?.state, 'running');
    h.runtime.exit(newest(h, pod, SANDBOX_NAME)!.id, 137);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'i1')?.restartCount, 1);
    assert.equal(newest(h, pod, 'i1')?.state, 'running');
    assert.notEqual(newest(h, pod, 'app')?.state, 'running', 'the app waits for init again');
  });

  it('keeps a sidecar (restartPolicy Always) running next to the app', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, { initContainers: [{ name: 'side', image: 'img:1', restartPolicy: 'Always' }, INITS[0]!] }),
    );
    await h.sync(pod);
    assert.equal(newest(h, pod, 'side')?.state, 'running');
    assert.equal(newest(h, pod, 'i1')?.state, 'running', 'the next init starts once the sidecar runs');
    h.runtime.exit(newest(h, pod, 'i1')!.id, 0);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'app')?.state, 'running');
    assert.equal(newest(h, pod, 'side')?.state, 'running');
    h.runtime.exit(newest(h, pod, 'side')!.id, 0);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'side')?.restartCount, 1, 'a sidecar is restarted even after exit 0');
    const s = st(h, pod);
    assert.equal(s.phase, 'Running');
    assert.equal(s.initContainerStatuses?.[0]?.started, true);
    assert.equal(s.initContainerStatuses?.[0]?.ready, true);
  });

  it('a sidecar in crash back-off does not hold up the app containers once they ran', async () => {
    const h = harness({ crashBaseMs: 10_000 });
    const pod = await h.add(
      makePod('web', NODE, { initContainers: [{ name: 'side', image: 'img:1', restartPolicy: 'Always' }] }),
    );
    await h.sync(pod);
    assert.equal(newest(h, pod, 'app')?.state, 'running');
    h.runtime.exit(newest(h, pod, 'side')!.id, 1);
    await h.sync(pod);
    h.runtime.exit(newest(h, pod, 'side')!.id, 1);
    await h.sync(pod);
    assert.equal(h.get(pod)?.status?.initContainerStatuses?.[0]?.state.waiting?.reason, 'CrashLoopBackOff');
    h.runtime.exit(newest(h, pod, 'app')!.id, 1);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'app')?.restartCount, 1, 'the app is restarted meanwhile');
    assert.equal(newest(h, pod, 'app')?.state, 'running');
  });
});
