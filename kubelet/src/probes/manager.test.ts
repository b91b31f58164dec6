import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@kubelab/api';
import { harness, NODE, type Harness } from '../testing/harness.js';
import { makePod } from '../testing/fakes.js';

function cs(h: Harness, pod: Pod, name = 'app') {
  return h.get(pod)?.status?.containerStatuses?.find((s) => s.name === name);
}

function cond(h: Harness, pod: Pod, type: string) {
  return h.get(pod)?.status?.conditions?.find((c) => c.type === type)?.status;
}

function appIds(h: Harness, pod: Pod, name = 'app'): string[] {
  return h.runtime.podContainers(pod.metadata.uid!, name).map((c) => c.id);
}

const HTTP = 'http:/healthz';

describe('readiness probe', () => {
  it('keeps the container unready until the probe passes, then flips with the thresholds', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          {
            name: 'app',
            image: 'img:1',
            readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 2 },
          },
        ],
      }),
    );
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    assert.equal(cs(h, pod)?.ready, false, 'not ready before the first success');
    assert.equal(cs(h, pod)?.started, true);
    assert.equal(h.get(pod)?.status?.phase, 'Running');
    assert.equal(cond(h, pod, 'Ready'), 'False');
    assert.equal(cond(h, pod, 'ContainersReady'), 'False');

    await h.timers.advance(4_999);
    assert.equal(h.prober.count('app'), 0, 'nothing before initialDelaySeconds');
    await h.timers.advance(1);
    assert.equal(h.prober.count('app'), 1);
    const call = h.prober.calls[0]!;
    assert.equal(call.podIP, h.get(pod)?.status?.podIP);
    assert.equal(call.timeoutMs, 1000, 'timeoutSeconds defaults to 1');
    assert.deepEqual(h.probeChanges, [uid]);
    await h.sync(pod);
    assert.equal(cs(h, pod)?.ready, true);
    assert.equal(cond(h, pod, 'Ready'), 'True');

    // Failing: unready only after failureThreshold (3) failures in a row.
    h.prober.set('app', HTTP, false);
    h.probeChanges.length = 0;
    await h.timers.advance(2_000);
    await h.timers.advance(2_000);
    assert.deepEqual(h.probeChanges, [], 'two failures do not flip it');
    await h.timers.advance(2_000);
    assert.deepEqual(h.probeChanges, [uid]);
    await h.sync(pod);
    assert.equal(cs(h, pod)?.ready, false);
    assert.equal(cond(h, pod, 'Ready'), 'False');
    assert.equal(h.runtime.podContainers(uid, 'app').length, 1, 'readiness never restarts');
    assert.equal(
      h.events
        .lines()
        .filter((l) => l === 'Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500').length,
      3,
    );
  });

  it('needs successThreshold successes in a row to become ready again', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          {
            name: 'app',
            image: 'img:1',
            readinessProbe: { exec: { command: ['true'] }, successThreshold: 2, failureThreshold: 1 },
          },
        ],
      }),
    );
    await h.sync(pod);
    await h.timers.advance(0);
    await h.sync(pod);
    assert.equal(cs(h, pod)?.ready, false, 'one success of two');
    await h.timers.advance(10_000);
    await h.sync(pod);
    assert.equal(cs(h, pod)?.ready, true, 'periodSeconds defaults to 10');
    h.prober.set('app', 'exec:true', false, 'boom');
    await h.timers.advance(10_000);
    await h.sync(pod);
    assert.equal(cs(h, pod)?.ready, false, 'failureThreshold 1');
  });

  it('a container without probes is ready as soon as it runs', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    await h.sync(pod);
    assert.equal(cs(h, pod)?.ready, true);
    assert.equal(h.probes.size, 0);
  });
});

describe('liveness probe', () => {
  it('kills and restarts the container after failureThreshold failures', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          {
            name: 'app',
            image: 'img:1',
            livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 3 },
          },
        ],
      }),
    );
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    assert.equal(cs(h, pod)?.ready, true, 'liveness does not gate readiness');
    const first = appIds(h, pod)[0]!;
    await h.timers.advance(0);
    assert.equal(h.prober.count('app'), 1);
    h.prober.set('app', HTTP, false);
    await h.timers.advance(3_000);
    await h.timers.advance(3_000);
    await h.sync(pod);
    assert.equal(h.runtime.podContainers(uid, 'app').length, 1, 'still alive after two failures');
    await h.timers.advance(3_000);
    assert.deepEqual(h.probeChanges, [uid]);
    const probesBefore = h.prober.count('app');
    await h.timers.advance(9_000);
    assert.equal(h.prober.count('app'), probesBefore, 'the worker holds after a failure');
    h.prober.set('app', HTTP, true);
    await h.sync(pod);
    const ids = appIds(h, pod);
    assert.equal(ids.length, 2);
    assert.equal(ids[1], first);
    assert.equal(h.runtime.containers.get(first)?.state, 'exited');
    assert.ok(h.runtime.calls.includes('stop:30'), 'stopped with the pod grace period');
    const st = cs(h, pod)!;
    assert.equal(st.restartCount, 1);
    assert.ok(st.state.running);
    assert.equal(st.lastState.terminated?.exitCode, 137);
    const lines = h.events.lines();
    assert.ok(lines.includes('Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500'));
    assert.ok(lines.includes('Normal Killing Container app failed liveness probe, will be restarted'));
    // A fresh worker probes the new instance.
    assert.equal(h.probes.worker(uid, 'app', 'liveness')?.containerId, ids[0]);
    await h.timers.advance(0);
    assert.equal(h.prober.calls.at(-1)?.containerId, ids[0]);
  });

  it('honours the probe terminationGracePeriodSeconds and restartPolicy Never', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('job', NODE, {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'app',
            image: 'img:1',
            livenessProbe: {
              exec: { command: ['cat', '/tmp/healthy'] },
              failureThreshold: 1,
              terminationGracePeriodSeconds: 2,
            },
          },
        ],
      }),
    );
    h.prober.set('app', 'exec:cat /tmp/healthy', false, "cat: can't open '/tmp/healthy': No such file or directory");
    await h.sync(pod);
    await h.timers.advance(0);
    await h.sync(pod);
    assert.ok(h.runtime.calls.includes('stop:2'));
    assert.equal(h.runtime.podContainers(pod.metadata.uid!, 'app').length, 1, 'not restarted');
    assert.ok(h.events.lines().includes('Normal Killing Container app failed liveness probe'));
    assert.ok(
      h.events
        .lines()
        .includes("Warning Unhealthy Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"),
    );
    await h.sync(pod);
    assert.equal(h.get(pod)?.status?.phase, 'Failed');
    assert.equal(h.probes.size, 0, 'no workers for a stopped container');
  });
});

describe('startup probe', () => {
  it('gates liveness and readiness until it succeeds; started follows it', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          {
            name: 'app',
            image: 'img:1',
            startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 30 },
            livenessProbe: { httpGet: { path: '/live', port: 8080 } },
            readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
          },
        ],
      }),
    );
    h.prober.set('app', 'tcp:8080', false, 'dial tcp 10.244.0.2:8080: connect: connection refused');
    h.prober.set('app', 'http:/live', false);
    await h.sync(pod);
    assert.equal(cs(h, pod)?.started, false);
    assert.equal(cs(h, pod)?.ready, false);
    await h.timers.advance(20_000);
    assert.equal(h.prober.count('app', 'http:/live'), 0, 'liveness waits for startup');
    assert.equal(h.prober.count('app', 'http:/ready'), 0, 'readiness waits for startup');
    assert.ok(h.prober.count('app', 'tcp:8080') >= 20);
    await h.sync(pod);
    assert.equal(h.runtime.podContainers(pod.metadata.uid!, 'app').length, 1);

    h.prober.set('app', 'tcp:8080', true);
    h.prober.set('app', 'http:/live', true);
    await h.timers.advance(1_000);
    await h.sync(pod);
    assert.equal(cs(h, pod)?.started, true);
    assert.equal(cs(h, pod)?.ready, false, 'started, but readiness has not passed yet');
    const startups = h.prober.count('app', 'tcp:8080');
    await h.timers.advance(10_000);
    await h.sync(pod);
    assert.equal(h.prober.count('app', 'tcp:8080'), startups, 'no startup probing once started');
    assert.ok(h.prober.count('app', 'http:/live') >= 1);
    assert.equal(cs(h, pod)?.ready, true);
  });

  it('kills the container when it never starts', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          {
            name: 'app',
            image: 'img:1',
            startupProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      }),
    );
    h.prober.set('app', 'exec:false', false, 'exit 1');
    await h.sync(pod);
    await h.timers.advance(1_000);
    await h.sync(pod);
    assert.ok(h.events.lines().includes('Normal Killing Container app failed startup probe, will be restarted'));
    assert.equal(cs(h, pod)?.restartCount, 1);
    assert.equal(cs(h, pod)?.started, false, 'the new instance starts unstarted');
  });
});

describe('probe workers lifecycle', () => {
  it('stops the workers when the pod goes away', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          {
            name: 'app',
            image: 'img:1',
            readinessProbe: { exec: { command: ['true'] } },
            livenessProbe: { exec: { command: ['true'] } },
          },
        ],
      }),
    );
    await h.sync(pod);
    assert.equal(h.probes.size, 2);
    assert.equal(h.timers.size, 2);
    h.api.remove('pods', 'default', 'web');
    await h.sync(pod);
    assert.equal(h.probes.size, 0);
    assert.equal(h.timers.size, 0);
    const n = h.prober.calls.length;
    await h.timers.advance(60_000);
    assert.equal(h.prober.calls.length, n);
  });

  it('stops them before a graceful deletion', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [{ name: 'app', image: 'img:1', livenessProbe: { exec: { command: ['true'] } } }],
      }),
    );
    await h.sync(pod);
    await h.deleteGracefully(pod);
    await h.sync(pod);
    assert.equal(h.probes.size, 0);
  });
});
