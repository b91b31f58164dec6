import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@kubelab/api';
import { RuntimeError, SANDBOX_NAME } from './runtime/runtime.js';
import { harness, HOST_IP, NODE, PAUSE, type Harness } from './testing/harness.js';
import { makePod } from './testing/fakes.js';

function running(h: Harness, uid: string, name?: string) {
  return h.runtime.podContainers(uid, name).filter((c) => c.state === 'running');
}

function statusOf(h: Harness, pod: Pod, name = 'app') {
  const p = h.get(pod)!;
  const cs = p.status?.containerStatuses?.find((s) => s.name === name);
  return { pod: p, cs };
}

describe('syncPod: starting a pod', () => {
  it('creates one sandbox and each container once, however often it syncs', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        containers: [
          { name: 'a', image: 'img:1' },
          { name: 'b', image: 'img:1', command: ['sleep', '1d'] },
        ],
      }),
    );
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    assert.equal(h.runtime.count('createPause'), 1);
    assert.equal(h.runtime.count('create'), 2);
    assert.equal(running(h, uid).length, 3);
    const sandbox = h.runtime.podContainers(uid, SANDBOX_NAME)[0]!;
    for (const name of ['a', 'b']) assert.equal(h.runtime.podContainers(uid, name)[0]!.sandboxId, sandbox.id);
    const writes = h.api.count('updateStatus');
    for (let i = 0; i < 3; i++) await h.sync(pod);
    assert.equal(h.runtime.count('createPause'), 1);
    assert.equal(h.runtime.count('create'), 2);
    assert.equal(h.runtime.containers.size, 3);
    assert.equal(h.api.count('updateStatus'), writes, 'an unchanged status is not written again');
    assert.deepEqual(h.events.lines(), [
      'Normal Pulled Container image "img:1" already present on machine',
      'Normal Created Created container: a',
      'Normal Started Started container a',
      'Normal Pulled Container image "img:1" already present on machine',
      'Normal Created Created container: b',
      'Normal Started Started container b',
    ]);
  });

  it('reports Running with IPs, ready containers and ids', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    await h.sync(pod);
    const { pod: p, cs } = statusOf(h, pod);
    const st = p.status!;
    assert.equal(st.phase, 'Running');
    assert.match(st.podIP ?? '', /^10\.244\.0\.\d+$/);
    assert.deepEqual(st.podIPs, [{ ip: st.podIP }]);
    assert.equal(st.hostIP, HOST_IP);
    assert.equal(st.qosClass, 'BestEffort');
    assert.ok(cs);
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.equal(cs.restartCount, 0);
    assert.ok(cs.state.running?.startedAt);
    const app = h.runtime.podContainers(pod.metadata.uid!, 'app')[0]!;
    assert.equal(cs.containerID, `docker://${app.id}`);
    assert.equal(cs.imageID, app.imageRef);
    const ready = st.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
  });

  it('adopts the containers of a previous kubelet without touching them', async () => {
    const first = harness();
    const pod = await first.add(makePod('web', NODE));
    await first.sync(pod);
    const before = [...first.runtime.containers.keys()].sort();
    // A new kubelet process: fresh syncer, status manager and back-offs over the same world.
    const second = harness({ from: first });
    const creates = first.runtime.count('create') + first.runtime.count('createPause');
    const writes = first.api.count('updateStatus');
    await second.sync(pod);
    assert.deepEqual([...first.runtime.containers.keys()].sort(), before);
    assert.equal(first.runtime.count('create') + first.runtime.count('createPause'), creates);
    assert.equal(first.runtime.count('stop'), 0);
    assert.equal(first.api.count('updateStatus'), writes);
  });

  it('starts a container that was created but never started', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    const uid = pod.metadata.uid!;
    h.runtime.failNext.set('start', new RuntimeError('docker start: kubelet died here'));
    await h.sync(pod);
    assert.equal(h.runtime.podContainers(uid, 'app')[0]!.state, 'created');
    await h.sync(pod);
    assert.equal(h.runtime.podContainers(uid, 'app').length, 1);
    assert.equal(h.runtime.podContainers(uid, 'app')[0]!.state, 'running');
  });
});

describe('syncPod: sandbox and duplicates', () => {
  it('recreates a dead sandbox and restarts the containers in it with restartCount+1', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    const oldPause = h.runtime.podContainers(uid, SANDBOX_NAME)[0]!;
    h.runtime.exit(oldPause.id, 137);
    await h.sync(pod);
    const pauses = h.runtime.podContainers(uid, SANDBOX_NAME);
    assert.equal(pauses.length, 1);
    assert.notEqual(pauses[0]!.id, oldPause.id);
    assert.equal(pauses[0]!.restartCount, 1);
    assert.match(pauses[0]!.name, /^k8s_POD_web_default_\w{8}_1$/);
    const app = running(h, uid, 'app');
    assert.equal(app.length, 1);
    assert.equal(app[0]!.restartCount, 1);
    assert.equal(app[0]!.sandboxId, pauses[0]!.id);
    assert.equal(h.runtime.podContainers(uid, 'app').length, 2, 'the previous instance is kept');
    assert.equal(h.get(pod)?.status?.podIP, pauses[0]!.networks.testnet);
  });

  it('does not recreate the sandbox of a restartPolicy Never pod whose containers ran', async () => {
    const h = harness();
    const pod = await h.add(makePod('once', NODE, { restartPolicy: 'Never' }));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    h.runtime.exit(h.runtime.podContainers(uid, SANDBOX_NAME)[0]!.id, 137);
    await h.sync(pod);
    await h.sync(pod);
    assert.equal(h.runtime.count('createPause'), 1);
    assert.equal(running(h, uid).length, 0);
    assert.equal(h.get(pod)?.status?.phase, 'Failed');
  });

  it('keeps the newest of two running copies of a container', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    const pause = h.runtime.podContainers(uid, SANDBOX_NAME)[0]!;
    const orig = h.runtime.podContainers(uid, 'app')[0]!;
    h.clock.advance(1000);
    const dup = h.runtime.inject({
      labels: { ...orig.labels, 'io.kubelab.restart-count': '0' },
      name: 'dup',
      state: 'running',
      sandboxId: pause.id,
      hash: orig.hash,
      createdAt: new Date(h.clock.now()).toISOString(),
    });
    await h.sync(pod);
    const app = h.runtime.podContainers(uid, 'app');
    assert.deepEqual(
      app.map((c) => c.id),
      [dup.id],
    );
    assert.equal(h.runtime.count('create'), 1);
  });

  it('keeps only the last exited instance next to the running one', async () => {
    const h = harness();
    const pod = await h.add(makePod('web', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    h.runtime.exit(h.runtime.podContainers(uid, 'app')[0]!.id, 1);
    await h.sync(pod);
    const old = h.runtime.podContainers(uid, 'app')[1]!;
    h.runtime.inject({
      labels: { ...old.labels },
      name: 'older',
      state: 'exited',
      exitCode: 1,
      createdAt: '2025-01-01T00:00:00Z',
      finishedAt: '2025-01-01T00:00:01Z',
    });
    assert.equal(h.runtime.podContainers(uid, 'app').length, 3);
    await h.sync(pod);
    const left = h.runtime.podContainers(uid, 'app');
    assert.deepEqual(
      left.map((c) => [c.restartCount, c.state, c.name === 'older']),
      [
        [1, 'running', false],
        [0, 'exited', false],
      ],
    );
  });

  it('replaces a running container whose spec changed (new image)', async () => {
    const h = harness();
    h.runtime.images.add('img:2');
    const pod = await h.add(makePod('web', NODE));
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    const stored = h.get(pod)!;
    stored.spec.containers[0]!.image = 'img:2';
    await h.api.registry.update('pods', 'default', 'web', stored); // a user's edit: the image is one of a pod's mutable fields
    await h.sync(pod);
    const app = running(h, uid, 'app');
    assert.equal(app.length, 1);
    assert.equal(app[0]!.image, 'img:2');
    assert.equal(app[0]!.restartCount, 1);
  });

  it('retries a sandbox whose image cannot be had, reporting ContainerCreating', async () => {
    const h = harness();
    h.runtime.images.delete(PAUSE);
    const pod = await h.add(makePod('web', NODE));
    await h.sync(pod);
    assert.equal(h.runtime.count('createPause'), 0);
    assert.equal(statusOf(h, pod).cs?.state.waiting?.reason, 'ContainerCreating');
    h.runtime.registry.add(PAUSE);
    h.clock.advance(60_000);
    await h.sync(pod);
    assert.equal(h.runtime.count('createPause'), 1);
    assert.equal(h.get(pod)?.status?.phase, 'Running');
  });
});
