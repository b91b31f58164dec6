/**
 * The pod lifecycle on the real Docker engine with the real pod workers, prober and hooks:
 * readiness and liveness probes, init container ordering, volumes, env, preStop on deletion.
 * Everything carries io.kubelab.cluster=kubelet-lifecycle-itest-<pid> and is removed by that label
 * (leftovers of dead runs too). Probe traffic goes only to the test's own pods on its own network.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { sleep } from '@kubelab/client';
import { randomUUID } from 'node:crypto';
import type { KubeObject, Pod } from '@kubelab/api';
import { LABELS } from './runtime/runtime.js';
import { DockerTestEnv, waitFor } from './testing/dockerenv.js';
import { useDockerKubelet } from './testing/dockerkubelet.js';
import { TestApi, makePod as makeBasePod, silentLogger } from './testing/fakes.js';

/** Pods with random uids: container and volume names stay unique across concurrent runs. */
const makePod: typeof makeBasePod = (name, node, spec, meta) =>
  makeBasePod(name, node, spec, { uid: randomUUID(), ...meta });

const env = new DockerTestEnv('kubelet-lifecycle-itest');
const NODE = 'lifecycle-node';
const log = process.env.KUBELET_ITEST_LOG ? pino({ level: process.env.KUBELET_ITEST_LOG }) : silentLogger();

describe('pod lifecycle on Docker', { timeout: 240_000 }, () => {
  const api = new TestApi();
  const kubelet = useDockerKubelet({
    env,
    api,
    node: NODE,
    log,
    crashLoop: { baseMs: 1000, maxMs: 5000 },
    imageBackoff: { baseMs: 1000, maxMs: 5000 },
    resyncMs: 2_000,
  });

  const get = (name: string): Pod | undefined => api.peek<Pod>('pods', 'default', name);
  const mine = (pod: Pod) => ({
    [LABELS.cluster]: env.cluster,
    [LABELS.node]: NODE,
    [LABELS.podUid]: pod.metadata.uid!,
  });
  /** The pod's latest instance of container `name`. */
  const appOf = async (pod: Pod, name: string) => (await kubelet.instances(pod, name))[0];

  it('readiness gates Ready until the probe passes; a liveness failure restarts the container', async () => {
    const pod = api.put<Pod>(
      'pods',
      makePod('probed', NODE, {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'web',
            image: env.image,
            command: ['sh', '-c', 'mkdir -p /www /tmp && touch /tmp/alive && exec httpd -f -p 8080 -h /www'],
            ports: [{ name: 'http', containerPort: 8080 }],
            // Generous timeouts: a busy 2-core machine can take over a second for a docker exec.
            readinessProbe: {
              httpGet: { path: '/ready.html', port: 'http' },
              periodSeconds: 1,
              failureThreshold: 1,
              timeoutSeconds: 5,
            },
            livenessProbe: {
              exec: { command: ['cat', '/tmp/alive'] },
              periodSeconds: 1,
              failureThreshold: 2,
              timeoutSeconds: 5,
            },
          },
        ],
      }),
    );
    kubelet.workers.queue.add(pod.metadata.uid!);
    await waitFor('running', () => (get('probed')?.status?.containerStatuses?.[0]?.state.running ? true : undefined));
    await sleep(3_000);
    let st = get('probed')!.status!;
    assert.equal(st.containerStatuses?.[0]?.ready, false, 'the failing readiness probe keeps it unready');
    assert.equal(st.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.ok(
      kubelet.events
        .lines()
        .some((l) => l === 'Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 404'),
      kubelet.events.lines().join('\n'),
    );

    const web = (await appOf(pod, 'web'))!;
    assert.equal((await env.exec(web.id, ['sh', '-c', 'echo ok > /www/ready.html'])).code, 0);
    await waitFor('ready', () => (get('probed')?.status?.containerStatuses?.[0]?.ready ? true : undefined), 10_000);
    st = get('probed')!.status!;
    assert.equal(st.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

    assert.equal((await env.exec(web.id, ['rm', '/tmp/alive'])).code, 0);
    await waitFor(
      'restart after liveness failure',
      () => ((get('probed')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? true : undefined),
      20_000,
    );
    const lines = kubelet.events.lines();
    assert.ok(
      lines.some((l) => l.startsWith("Warning Unhealthy Liveness probe failed: cat: can't open '/tmp/alive'")),
      lines.join('\n'),
    );
    assert.ok(lines.includes('Normal Killing Container web failed liveness probe, will be restarted'));
    const again = (await appOf(pod, 'web'))!;
    assert.notEqual(again.id, web.id);
    assert.equal(again.restartCount, 1);
    await waitFor('new instance running', () =>
      get('probed')?.status?.containerStatuses?.[0]?.state.running ? true : undefined,
    );
    assert.equal(get('probed')?.status?.containerStatuses?.[0]?.ready, false, 'the new instance starts unready');
  });

  it('runs init containers in order, each to completion, before the app', async () => {
    const pod = api.put<Pod>(
      'pods',
      makePod('inits', NODE, {
        terminationGracePeriodSeconds: 1,
        initContainers: [
          { name: 'first', image: env.image, command: ['sh', '-c', 'sleep 1'] },
          { name: 'second', image: env.image, command: ['sh', '-c', 'sleep 1'] },
        ],
        containers: [{ name: 'app', image: env.image, command: ['sleep', '3600'] }],
      }),
    );
    kubelet.workers.queue.add(pod.metadata.uid!);
    await waitFor('Init:0/2 status', () =>
      get('inits')?.status?.initContainerStatuses?.[0]?.state.running ? true : undefined,
    );
    assert.equal(get('inits')?.status?.phase, 'Pending');
    await waitFor(
      'app running',
      () => (get('inits')?.status?.containerStatuses?.[0]?.state.running ? true : undefined),
      20_000,
    );
    const st = get('inits')!.status!;
    assert.equal(st.phase, 'Running');
    assert.deepEqual(
      st.initContainerStatuses?.map((s) => s.state.terminated?.reason),
      ['Completed', 'Completed'],
    );
    assert.equal(st.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
    const first = (await appOf(pod, 'first'))!;
    const second = (await appOf(pod, 'second'))!;
    const app = (await appOf(pod, 'app'))!;
    const t = (s: string | undefined) => Date.parse(s ?? '');
    assert.ok(t(first.finishedAt) <= t(second.startedAt), 'second starts after first finished');
    assert.ok(t(second.finishedAt) <= t(app.startedAt), 'app starts after second finished');
  });

  it('mounts an emptyDir shared by two containers and a configMap volume, with env from the ConfigMap; removes the volumes with the pod', async () => {
    api.put<KubeObject>('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'site', namespace: 'default' },
      data: { 'index.html': 'from-configmap', greeting: 'hi' },
    } as KubeObject);
    const pod = api.put<Pod>(
      'pods',
      makePod('volumes', NODE, {
        terminationGracePeriodSeconds: 1,
        volumes: [
          { name: 'shared', emptyDir: {} },
          { name: 'site', configMap: { name: 'site' } },
          { name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        ],
        containers: [
          {
            name: 'writer',
            image: env.image,
            command: ['sh', '-c', 'echo $(GREETING) $(MY_NAME) > /out/msg; exec sleep 3600'],
            env: [
              { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'site', key: 'greeting' } } },
              { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            volumeMounts: [{ name: 'shared', mountPath: '/out' }],
          },
          {
            name: 'reader',
            image: env.image,
            command: ['sleep', '3600'],
            volumeMounts: [
              { name: 'shared', mountPath: '/in' },
              { name: 'site', mountPath: '/site' },
              { name: 'ram', mountPath: '/ram' },
            ],
          },
        ],
      }),
    );
    kubelet.workers.queue.add(pod.metadata.uid!);
    await waitFor('both running', () =>
      get('volumes')?.status?.containerStatuses?.every((c) => c.state.running) ? true : undefined,
    );
    const reader = (await appOf(pod, 'reader'))!;
    const msg = await waitFor('shared file', async () => {
      const r = await env.exec(reader.id, ['cat', '/in/msg']);
      return r.code === 0 ? r.out.trim() : undefined;
    });
    assert.equal(msg, 'hi volumes');
    assert.equal((await env.exec(reader.id, ['cat', '/site/index.html'])).out, 'from-configmap');
    assert.notEqual(
      (await env.exec(reader.id, ['sh', '-c', 'echo x > /site/new'])).code,
      0,
      'configMap volumes are read-only',
    );
    const mounts = (await env.exec(reader.id, ['cat', '/proc/mounts'])).out;
    assert.match(mounts, /^tmpfs \/ram tmpfs .*size=16384k/m, `a Memory emptyDir is a tmpfs: ${mounts}`);

    api.put<KubeObject>('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'site', namespace: 'default' },
      data: { 'index.html': 'updated', greeting: 'hi' },
    } as KubeObject);
    kubelet.workers.queue.add(pod.metadata.uid!);
    await waitFor('updated file', async () =>
      (await env.exec(reader.id, ['cat', '/site/index.html'])).out === 'updated' ? true : undefined,
    );

    const stored = get('volumes')!;
    stored.metadata.deletionTimestamp = new Date().toISOString();
    stored.metadata.deletionGracePeriodSeconds = 1;
    api.put('pods', stored);
    kubelet.workers.queue.add(pod.metadata.uid!);
    await waitFor('pod deleted', () => (get('volumes') ? undefined : true), 20_000);
    const left = await env.docker.listVolumes({ filters: { label: [`${LABELS.podUid}=${pod.metadata.uid!}`] } });
    assert.deepEqual(left.Volumes ?? [], []);
  });

  it('runs preStop before stopping on deletion; the pod goes once the containers are gone', async () => {
    const pod = api.put<Pod>(
      'pods',
      makePod('stopping', NODE, {
        terminationGracePeriodSeconds: 10,
        containers: [
          {
            name: 'app',
            image: env.image,
            command: ['sh', '-c', 'mkdir -p /tmp; trap "exit 0" TERM; while true; do sleep 0.2; done'],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo bye > /tmp/prestop; sleep 3'] } } },
          },
        ],
      }),
    );
    const uid = pod.metadata.uid!;
    kubelet.workers.queue.add(uid);
    await waitFor('running', () => (get('stopping')?.status?.containerStatuses?.[0]?.state.running ? true : undefined));
    const app = (await appOf(pod, 'app'))!;
    const stored = get('stopping')!;
    stored.metadata.deletionTimestamp = new Date().toISOString();
    stored.metadata.deletionGracePeriodSeconds = 10;
    api.put('pods', stored);
    const t0 = Date.now();
    kubelet.workers.queue.add(uid);
    const marker = await waitFor('preStop marker', async () => {
      const r = await env.exec(app.id, ['cat', '/tmp/prestop']).catch(() => undefined);
      return r && r.code === 0 ? r.out.trim() : undefined;
    });
    assert.equal(marker, 'bye');
    assert.ok(get('stopping'), 'the pod object stays while preStop runs');
    await waitFor('pod deleted', () => (get('stopping') ? undefined : true), 20_000);
    assert.ok(Date.now() - t0 >= 2_500, 'deletion waited for the hook');
    assert.deepEqual(await kubelet.runtime.listPodContainers(mine(pod)), []);
    assert.ok(kubelet.events.lines().includes('Normal Killing Stopping container app'));
  });
});
