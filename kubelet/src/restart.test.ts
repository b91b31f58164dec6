import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@kubelab/api';
import { RuntimeError, SANDBOX_NAME } from './runtime/runtime.js';
import { harness, NODE, type Harness } from './testing/harness.js';
import { makePod } from './testing/fakes.js';

function running(h: Harness, uid: string, name?: string) {
  return h.runtime.podContainers(uid, name).filter((c) => c.state === 'running');
}

function statusOf(h: Harness, pod: Pod, name = 'app') {
  const p = h.get(pod)!;
  const cs = p.status?.containerStatuses?.find((s) => s.name === name);
  return { pod: p, cs };
}

describe('syncPod: restarts and back-off', () => {
  it('restarts at once, then after 10s, 20s, 40s, capped at max (injected clock)', async () => {
    const h = harness({ crashBaseMs: 10_000, crashMaxMs: 40_000 });
    const pod = await h.add(makePod('crash', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    const crash = (): void => h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 1);

    crash();
    await h.sync(pod);
    assert.equal(running(h, uid, 'app')[0]?.restartCount, 1, 'first restart is immediate');

    for (const [delay, rc] of [
      [10_000, 2],
      [20_000, 3],
      [40_000, 4],
      [40_000, 5],
    ] as const) {
      crash();
      await h.sync(pod);
      assert.equal(running(h, uid, 'app').length, 0);
      const { pod: p, cs } = statusOf(h, pod);
      assert.equal(cs?.state.waiting?.reason, 'CrashLoopBackOff');
      assert.equal(
        cs?.state.waiting?.message,
        `back-off ${delay / 1000}s restarting failed container=app pod=crash_default(${uid})`,
      );
      assert.equal(cs?.lastState.terminated?.exitCode, 1);
      assert.equal(cs?.lastState.terminated?.reason, 'Error');
      assert.equal(cs?.restartCount, rc - 1);
      assert.equal(p.status?.phase, 'Running', 'a crash-looping Always pod is Running');
      h.clock.advance(delay - 1);
      await h.sync(pod);
      assert.equal(running(h, uid, 'app').length, 0, `still backing off 1ms before ${delay}ms`);
      h.clock.advance(1);
      await h.sync(pod);
      assert.equal(running(h, uid, 'app')[0]?.restartCount, rc);
      // Only the running instance and the last exited one are kept.
      assert.equal(h.runtime.podContainers(uid, 'app').length, 2);
      assert.equal(statusOf(h, pod).cs?.lastState.terminated?.exitCode, 1);
    }
    const backoffs = h.events.lines().filter((l) => l.startsWith('Warning BackOff'));
    assert.equal(backoffs.length, 4, 'one BackOff event per crash, not per sync');
    assert.equal(backoffs[0], `Warning BackOff Back-off restarting failed container app in pod crash_default(${uid})`);
  });

  it('asks to be synced again when the back-off ends', async () => {
    const h = harness({ crashBaseMs: 10_000 });
    const pod = await h.add(makePod('crash', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 1);
    await h.sync(pod);
    h.clock.advance(3_000);
    h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 1);
    h.clock.advance(4_000);
    const res = await h.syncer.syncPod(
      h.get(pod)!,
      await h.runtime.listPodContainers({ 'io.kubernetes.pod.uid': uid }),
    );
    assert.equal(res.requeueAfterMs, 6_000);
    assert.equal(res.waiting.get('app')?.reason, 'CrashLoopBackOff');
  });

  it('forgets the back-off of a container that ran for 10 minutes', async () => {
    const h = harness({ crashBaseMs: 10_000, crashMaxMs: 300_000 });
    const pod = await h.add(makePod('crash', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    const crash = (): void => h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 1);
    crash();
    await h.sync(pod); // rc1 at once
    crash();
    h.clock.advance(10_000);
    await h.sync(pod); // rc2 after 10s; the next wait would be 20s
    assert.equal(running(h, uid, 'app')[0]?.restartCount, 2);
    h.clock.advance(10 * 60_000);
    crash();
    await h.sync(pod);
    assert.equal(running(h, uid, 'app')[0]?.restartCount, 3, 'restarted at once after a long run');
  });

  it('OnFailure restarts failures only; a clean exit makes the pod Succeeded', async () => {
    const h = harness();
    const pod = await h.add(makePod('job', NODE, { restartPolicy: 'OnFailure' }));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 3);
    await h.sync(pod);
    assert.equal(running(h, uid, 'app')[0]?.restartCount, 1);
    h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 0);
    await h.sync(pod);
    const { pod: p, cs } = statusOf(h, pod);
    assert.equal(p.status?.phase, 'Succeeded');
    assert.equal(cs?.state.terminated?.reason, 'Completed');
    assert.equal(cs?.restartCount, 1);
    assert.equal(h.runtime.podContainers(uid, SANDBOX_NAME).length, 0, 'the sandbox of a finished pod is removed');
    assert.equal(p.status?.podIP !== undefined, true, 'a finished pod keeps its IP in the status');
    const creates = h.runtime.count('create');
    h.clock.advance(3_600_000);
    await h.sync(pod);
    assert.equal(h.runtime.count('create'), creates);
    assert.equal(h.runtime.count('createPause'), 1);
  });

  it('Never does not restart; a failure makes the pod Failed', async () => {
    const h = harness();
    const pod = await h.add(makePod('once', NODE, { restartPolicy: 'Never' }));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 2);
    await h.sync(pod);
    await h.sync(pod);
    assert.equal(h.runtime.count('create'), 1);
    const { pod: p, cs } = statusOf(h, pod);
    assert.equal(p.status?.phase, 'Failed');
    assert.equal(cs?.state.terminated?.exitCode, 2);
    assert.equal(cs?.state.terminated?.reason, 'Error');
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'PodCompleted');
  });

  it('reports OOMKilled', async () => {
    const h = harness();
    const pod = await h.add(makePod('oom', NODE, { restartPolicy: 'Never' }));
    await h.sync(pod);
    h.runtime.exit(h.runtime.podContainers(pod.metadata.uid!, 'app')[0]!.id, 137, { oom: true });
    await h.sync(pod);
    assert.equal(statusOf(h, pod).cs?.state.terminated?.reason, 'OOMKilled');
  });

  it('a container that cannot start shows StartError, then CrashLoopBackOff', async () => {
    const h = harness();
    h.runtime.startErrors.set('app', 'exec: "nope": executable file not found in $PATH');
    const pod = await h.add(makePod('bad', NODE));
    await h.sync(pod);
    const first = statusOf(h, pod).cs;
    assert.equal(first?.state.terminated?.reason, 'StartError');
    assert.match(first?.state.terminated?.message ?? '', /executable file not found/);
    await h.sync(pod); // first restart is immediate, fails again
    await h.sync(pod);
    const cs = statusOf(h, pod).cs;
    assert.equal(cs?.state.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(cs?.lastState.terminated?.reason, 'StartError');
    assert.equal(cs?.restartCount, 1);
  });

  it('a failed create shows CreateContainerError and is retried', async () => {
    const h = harness({ crashBaseMs: 2_000 });
    const pod = await h.add(makePod('web', NODE));
    h.runtime.failNext.set('create', new RuntimeError('docker create k8s_app: invalid mount config'));
    await h.sync(pod);
    const cs = statusOf(h, pod).cs;
    assert.equal(cs?.state.waiting?.reason, 'CreateContainerError');
    assert.match(cs?.state.waiting?.message ?? '', /invalid mount config/);
    assert.equal(h.get(pod)?.status?.phase, 'Pending');
    h.clock.advance(2_000);
    await h.sync(pod);
    assert.equal(running(h, pod.metadata.uid!, 'app').length, 1);
  });

  it('replaces a container removed behind its back, counting on', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    await h.runtime.remove(h.runtime.podContainers(uid, 'app')[0]!.id);
    await h.sync(pod);
    assert.equal(running(h, uid, 'app')[0]?.restartCount, 1);
  });
});

describe('syncPod: images', () => {
  it('ErrImagePull, then ImagePullBackOff without pulling, then a new pull after the back-off', async () => {
    const h = harness({ imageBaseMs: 10_000 });
    h.runtime.pullErrors.set('nope:1', 'manifest for nope:1 not found: manifest unknown');
    const pod = await h.add(makePod('img', NODE, { containers: [{ name: 'app', image: 'nope:1' }] }));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    let cs = statusOf(h, pod).cs;
    assert.equal(cs?.state.waiting?.reason, 'ErrImagePull');
    assert.equal(cs?.state.waiting?.message, 'manifest for nope:1 not found: manifest unknown');
    assert.equal(h.get(pod)?.status?.phase, 'Pending');
    assert.equal(h.runtime.count('pull'), 1);
    await h.sync(pod);
    cs = statusOf(h, pod).cs;
    assert.equal(cs?.state.waiting?.reason, 'ImagePullBackOff');
    assert.equal(
      cs?.state.waiting?.message,
      'Back-off pulling image "nope:1": ErrImagePull: manifest for nope:1 not found: manifest unknown',
    );
    assert.equal(h.runtime.count('pull'), 1, 'no pull during the back-off');
    await h.sync(pod);
    assert.deepEqual(h.events.lines(), [
      'Warning Failed Failed to pull image "nope:1": manifest for nope:1 not found: manifest unknown',
      'Normal BackOff Back-off pulling image "nope:1"',
    ]);
    h.clock.advance(10_000);
    await h.sync(pod);
    assert.equal(h.runtime.count('pull'), 2);
    assert.equal(statusOf(h, pod).cs?.state.waiting?.reason, 'ErrImagePull');
    h.runtime.registry.add('nope:1');
    h.clock.advance(19_999);
    await h.sync(pod);
    assert.equal(running(h, uid, 'app').length, 0, 'second back-off is 20s');
    h.clock.advance(1);
    await h.sync(pod);
    assert.equal(running(h, uid, 'app').length, 1);
    assert.equal(h.get(pod)?.status?.phase, 'Running');
  });

  it('policy Always uses the local image when the registry is unreachable, and does not ask again soon', async () => {
    const h = harness();
    h.runtime.images.add('web:latest');
    const pod = await h.add(makePod('web', NODE, { containers: [{ name: 'app', image: 'web:latest' }] }));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    assert.equal(running(h, uid, 'app').length, 1);
    assert.equal(h.runtime.count('pull'), 1);
    h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 0);
    await h.sync(pod);
    assert.equal(running(h, uid, 'app').length, 1);
    assert.equal(h.runtime.count('pull'), 1, 'a failed refresh is not retried for a while');
  });

  it('ErrImageNeverPull for a missing image with policy Never', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, { containers: [{ name: 'app', image: 'absent:1', imagePullPolicy: 'Never' }] }),
    );
    await h.sync(pod);
    const cs = statusOf(h, pod).cs;
    assert.equal(cs?.state.waiting?.reason, 'ErrImageNeverPull');
    assert.equal(cs?.state.waiting?.message, 'Container image "absent:1" is not present with pull policy of Never');
  });
});
