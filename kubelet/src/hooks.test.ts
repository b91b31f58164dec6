import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@kubelab/api';
import { harness, NODE, type Harness } from './testing/harness.js';
import { makePod } from './testing/fakes.js';

function newest(h: Harness, pod: Pod, name = 'app') {
  return h.runtime.podContainers(pod.metadata.uid!, name)[0];
}

const HOOK = { exec: { command: ['sh', '-c', 'echo hi > /tmp/hook'] } };
const HOOK_KIND = 'exec:sh -c echo hi > /tmp/hook';

describe('postStart hook', () => {
  it('runs in the new container right after it starts', async () => {
    const h = harness();
    const order: string[] = [];
    h.prober.onCall = (c) => order.push(`hook:${c.containerId}`);
    const pod = await h.add(
      makePod('web', NODE, { containers: [{ name: 'app', image: 'img:1', lifecycle: { postStart: HOOK } }] }),
    );
    await h.sync(pod);
    const app = newest(h, pod)!;
    assert.deepEqual(order, [`hook:${app.id}`]);
    assert.equal(h.prober.calls[0]?.kind, HOOK_KIND);
    assert.equal(h.prober.calls[0]?.podIP, h.get(pod)?.status?.podIP);
    assert.equal(app.state, 'running');
    assert.equal(h.get(pod)?.status?.containerStatuses?.[0]?.ready, true);
  });

  it('kills the container when the hook fails, and restarts it per restartPolicy', async () => {
    const h = harness();
    h.prober.set('app', HOOK_KIND, false, "sh: can't create /tmp/hook: Read-only file system");
    const pod = await h.add(
      makePod('web', NODE, { containers: [{ name: 'app', image: 'img:1', lifecycle: { postStart: HOOK } }] }),
    );
    await h.sync(pod);
    const first = newest(h, pod)!;
    assert.equal(first.state, 'exited');
    const cs = h.get(pod)?.status?.containerStatuses?.[0];
    assert.equal(cs?.state.waiting?.reason, 'PostStartHookError');
    assert.match(
      cs?.state.waiting?.message ?? '',
      /^Exec lifecycle hook \(\[sh -c echo hi > \/tmp\/hook\]\) for Container "app" in Pod "web_default\(.+\)" failed - error: sh: can't create/,
    );
    const lines = h.events.lines();
    assert.ok(
      lines.some((l) =>
        l.startsWith(
          'Warning FailedPostStartHook Exec lifecycle hook ([sh -c echo hi > /tmp/hook]) for Container "app"',
        ),
      ),
    );
    assert.ok(lines.includes('Normal Killing FailedPostStartHook'));
    h.prober.set('app', HOOK_KIND, true);
    await h.sync(pod);
    assert.equal(newest(h, pod)?.restartCount, 1);
    assert.equal(newest(h, pod)?.state, 'running');
  });
});

describe('preStop hook and graceful termination', () => {
  it('runs preStop before the stop and gives the stop what is left of the grace period', async () => {
    const h = harness();
    const order: string[] = [];
    h.prober.onCall = (c) => {
      order.push(`preStop:${c.container}`);
      h.clock.advance(5_000);
    };
    const pod = await h.add(
      makePod('web', NODE, {
        terminationGracePeriodSeconds: 30,
        containers: [{ name: 'app', image: 'img:1', lifecycle: { preStop: HOOK } }],
      }),
    );
    await h.sync(pod);
    const app = newest(h, pod)!;
    await h.deleteGracefully(pod);
    const callsBefore = h.runtime.calls.length;
    await h.sync(pod);
    assert.deepEqual(order, ['preStop:app']);
    assert.equal(h.prober.calls[0]?.containerId, app.id);
    assert.equal(h.prober.calls[0]?.timeoutMs, 30_000, 'the hook may use the whole grace period');
    const after = h.runtime.calls.slice(callsBefore);
    assert.ok(after.includes('stop:25'), `stop with 30-5 s, got ${after.join(',')}`);
    assert.equal(h.runtime.podContainers(pod.metadata.uid!).length, 0, 'containers gone');
    assert.equal(h.get(pod), undefined, 'then the pod object');
  });

  it('bounds a sleep hook by the grace period and leaves at least 2 s for the stop', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [{ name: 'app', image: 'img:1', lifecycle: { preStop: { sleep: { seconds: 40 } } } }],
      }),
    );
    await h.sync(pod);
    await h.deleteGracefully(pod, 10);
    await h.sync(pod);
    assert.deepEqual(h.sleeps, [10_000]);
    assert.ok(h.runtime.calls.includes('stop:2'));
  });

  it('uses deletionGracePeriodSeconds without hooks, and a failed preStop does not block the stop', async () => {
    const h = harness();
    h.prober.set('app', HOOK_KIND, false, 'boom');
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          { name: 'app', image: 'img:1', lifecycle: { preStop: HOOK } },
          { name: 'plain', image: 'img:1' },
        ],
      }),
    );
    await h.sync(pod);
    await h.deleteGracefully(pod, 7);
    await h.sync(pod);
    assert.equal(
      h.runtime.calls.filter((c) => c === 'stop:7').length,
      2,
      'both stopped with the full grace (the hook took no time)',
    );
    assert.ok(
      h.events
        .lines()
        .some(
          (l) =>
            l.startsWith(
              'Warning FailedPreStopHook Exec lifecycle hook ([sh -c echo hi > /tmp/hook]) for Container "app"',
            ) && l.endsWith('failed - error: boom'),
        ),
    );
    assert.equal(h.get(pod), undefined);
  });

  it('stops sidecars after the regular containers, within the same grace period', async () => {
    const h = harness();
    const order: string[] = [];
    h.prober.onCall = (c) => {
      order.push(c.container);
      h.clock.advance(4_000);
    };
    const pod = await h.add(
      makePod('web', NODE, {
        terminationGracePeriodSeconds: 20,
        initContainers: [{ name: 'side', image: 'img:1', restartPolicy: 'Always', lifecycle: { preStop: HOOK } }],
        containers: [{ name: 'app', image: 'img:1', lifecycle: { preStop: HOOK } }],
      }),
    );
    await h.sync(pod);
    await h.sync(pod);
    assert.equal(newest(h, pod, 'side')?.state, 'running');
    await h.deleteGracefully(pod);
    const before = h.runtime.calls.length;
    await h.sync(pod);
    assert.deepEqual(order, ['app', 'side']);
    const stops = h.runtime.calls.slice(before).filter((c) => c.startsWith('stop:'));
    assert.deepEqual(stops, ['stop:16', 'stop:12'], 'the app gets 20-4 s, the sidecar what is left after that (16-4)');
  });

  it('runs preStop when a liveness failure kills the container', async () => {
    const h = harness();
    h.prober.set('app', 'exec:check', false, 'unhealthy');
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          {
            name: 'app',
            image: 'img:1',
            livenessProbe: { exec: { command: ['check'] }, failureThreshold: 1 },
            lifecycle: { preStop: HOOK },
          },
        ],
      }),
    );
    await h.sync(pod);
    await h.timers.advance(0);
    await h.sync(pod);
    assert.equal(h.prober.count('app', HOOK_KIND), 1);
    assert.equal(newest(h, pod)?.restartCount, 1);
  });
});
