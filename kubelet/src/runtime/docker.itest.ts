/**
 * Integration test of DockerRuntime + the pod workers against the real Docker engine. Everything
 * it makes carries io.kubelab.cluster=kubelet-itest-<pid> and is removed by that label (also
 * leftovers of earlier runs that died). Traffic only goes to 127.0.0.1 inside the test's own containers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { systemClock, type Pod } from '@kubelab/api';
import { ImageManager } from '../images.js';
import { PodWorkers } from '../podworkers.js';
import { StatusManager } from '../statusmanager.js';
import { PodSyncer } from '../pod/syncer.js';
import { DockerTestEnv, overlaps, waitFor } from '../testing/dockerenv.js';
import { TestApi, FakePods, makePod as makeBasePod, silentLogger } from '../testing/fakes.js';
import { DockerRuntime } from './docker.js';
import { ImageError, LABELS, SANDBOX_NAME, type RuntimeEvent } from './runtime.js';

const env = new DockerTestEnv('kubelet-itest');
const CLUSTER = env.cluster;
const IMAGE = env.image;
const NETWORK = env.network;
const NODE = 'itest-node';
const docker = env.docker;
const log = silentLogger();
const exec = (id: string, cmd: string[]) => env.exec(id, cmd);

/** Pods with random uids: names stay unique across concurrent runs. */
const makePod: typeof makeBasePod = (name, node, spec, meta) =>
  makeBasePod(name, node, spec, { uid: randomUUID(), ...meta });

describe('DockerRuntime against the real engine', { timeout: 180_000 }, () => {
  let subnet = '';
  const runtime = new DockerRuntime({
    cluster: CLUSTER,
    node: NODE,
    network: NETWORK,
    pauseImage: IMAGE,
    pauseCommand: ['sleep', '2147483647'],
    log,
    timeoutMs: 30_000,
  });

  before(async () => {
    await env.setUp();
    subnet = env.subnet;
  });

  after(async () => {
    await env.cleanup();
  });

  it('answers info and handles images without a registry', async () => {
    const info = await runtime.info();
    assert.equal(info.name, 'docker');
    assert.match(info.version, /^\d+\.\d+/);
    const img = await runtime.ensureImage(IMAGE, 'IfNotPresent');
    assert.match(img.imageId, /^sha256:/);
    assert.equal(img.pulled, false);
    await assert.rejects(
      runtime.ensureImage('kubelab-itest/absent:1', 'Never'),
      (e: unknown) => e instanceof ImageError && e.reason === 'ErrImageNeverPull',
    );
  });

  it('runs a pod: sandbox IP on the network, shared namespace, restart after a kill, graceful delete', async () => {
    const api = new TestApi();
    const pods = new FakePods(api, NODE);
    const images = new ImageManager(runtime, systemClock, { baseMs: 1000, maxMs: 5000 }, log);
    const syncer = new PodSyncer({
      runtime,
      images,
      clock: systemClock,
      log,
      network: NETWORK,
      pauseImage: IMAGE,
      crashLoop: { baseMs: 1000, maxMs: 5000 },
    });
    const workers = new PodWorkers({
      api,
      pods,
      runtime,
      syncer,
      status: new StatusManager(api, log),
      clock: systemClock,
      log,
      cluster: CLUSTER,
      node: NODE,
      network: NETWORK,
      hostIP: '127.0.0.1',
      workers: 2,
      resyncMs: 10_000,
      orphanGraceSeconds: 1,
    });
    const pod = api.put<Pod>(
      'pods',
      makePod('itest-web', NODE, {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'web',
            image: IMAGE,
            command: [
              'sh',
              '-c',
              'mkdir -p /www && echo hello-kubelab > /www/index.html && exec httpd -f -p 8080 -h /www',
            ],
            resources: { limits: { memory: '64Mi', cpu: '500m' } },
          },
        ],
      }),
    );
    const uid = pod.metadata.uid!;
    const mine = { [LABELS.cluster]: CLUSTER, [LABELS.node]: NODE, [LABELS.podUid]: uid };

    await workers.reconcile(uid);
    await workers.reconcile(uid);
    let containers = await runtime.listPodContainers(mine);
    assert.equal(containers.length, 2, 'one sandbox + one app container, not duplicated by a second sync');
    const pause = containers.find((c) => c.containerName === SANDBOX_NAME)!;
    const app = containers.find((c) => c.containerName === 'web')!;
    assert.equal(pause.state, 'running');
    assert.equal(app.state, 'running');
    assert.ok(app.sandboxId && pause.id.startsWith(app.sandboxId));
    const ip = pause.networks[NETWORK]!;
    assert.ok(overlaps(`${ip}/32`, subnet), `pod IP ${ip} is in ${subnet}`);

    const status = api.peek<Pod>('pods', 'default', 'itest-web')!.status!;
    assert.equal(status.podIP, ip);
    assert.equal(status.phase, 'Running');
    assert.equal(status.containerStatuses?.[0]?.ready, true);
    assert.equal(status.qosClass, 'Guaranteed', 'limits only: requests default to them');

    const raw = await docker.getContainer(app.id).inspect();
    assert.equal(raw.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(raw.HostConfig.NanoCpus, 500_000_000);
    assert.equal(raw.Name, `/k8s_web_itest-web_default_${uid.replace(/-/g, '').slice(0, 8)}_0`);

    // Same network namespace: the server in the app answers on the sandbox's loopback, and the hostname is the pod's.
    const fromPause = await waitFor('httpd', async () => {
      const r = await exec(pause.id, ['wget', '-qO-', 'http://127.0.0.1:8080/']);
      return r.code === 0 ? r : undefined;
    });
    assert.equal(fromPause.out.trim(), 'hello-kubelab');
    assert.equal((await exec(app.id, ['hostname'])).out.trim(), 'itest-web');

    // Kill the app: Docker reports the death, the next sync restarts it in the same sandbox.
    const ac = new AbortController();
    const died = (async (): Promise<RuntimeEvent | undefined> => {
      for await (const ev of runtime.events(ac.signal)) if (ev.type === 'die' && ev.id === app.id) return ev;
      return undefined;
    })();
    await new Promise((r) => setTimeout(r, 300)); // let the event stream connect
    await docker.getContainer(app.id).kill();
    const giveUp = setTimeout(() => ac.abort(), 15_000);
    const ev = await died;
    clearTimeout(giveUp);
    ac.abort();
    assert.equal(ev?.podUid, uid, 'a die event with the pod uid');
    await workers.reconcile(uid);
    containers = await runtime.listPodContainers(mine);
    const web = containers.filter((c) => c.containerName === 'web').sort((a, b) => b.restartCount - a.restartCount);
    assert.equal(web.length, 2, 'the new instance and the killed one (kept for logs)');
    assert.equal(web[0]!.state, 'running');
    assert.equal(web[0]!.restartCount, 1);
    assert.equal(web[1]!.state, 'exited');
    assert.equal(web[1]!.exitCode, 137);
    assert.ok(
      containers.find((c) => c.containerName === SANDBOX_NAME && c.id === pause.id),
      'the sandbox stayed',
    );
    const again = await waitFor('restarted httpd', async () => {
      const r = await exec(pause.id, ['wget', '-qO-', 'http://127.0.0.1:8080/']);
      return r.code === 0 ? r : undefined;
    });
    assert.equal(again.out.trim(), 'hello-kubelab');
    const st = api.peek<Pod>('pods', 'default', 'itest-web')!.status!;
    assert.equal(st.containerStatuses?.[0]?.restartCount, 1);
    assert.equal(st.containerStatuses?.[0]?.lastState.terminated?.exitCode, 137);

    // Graceful deletion: everything goes, then the pod object.
    const stored = api.peek<Pod>('pods', 'default', 'itest-web')!;
    stored.metadata.deletionTimestamp = new Date().toISOString();
    stored.metadata.deletionGracePeriodSeconds = 1;
    api.put('pods', stored);
    await workers.reconcile(uid);
    assert.deepEqual(await runtime.listPodContainers(mine), []);
    assert.equal(api.peek('pods', 'default', 'itest-web'), undefined);
  });

  it('attach to a container that has already exited is refused at once, not left open for ever', async () => {
    const c = await docker.createContainer({
      Image: IMAGE,
      Cmd: ['echo', 'done'],
      Labels: { [LABELS.cluster]: CLUSTER },
    });
    await c.start();
    await waitFor('the container to exit', async () => ((await c.inspect()).State.Running ? undefined : true));
    const t0 = Date.now();
    await assert.rejects(
      runtime.attach(c.id, { stdin: false, stdout: true, stderr: true }),
      /it is not running \(exited with code 0\)/,
    );
    assert.ok(Date.now() - t0 < 10_000, 'refused without waiting on the stream');
    // A running one is attached, and its stream ends when it exits.
    const r = await docker.createContainer({
      Image: IMAGE,
      Cmd: ['sh', '-c', 'sleep 1; echo bye'],
      Labels: { [LABELS.cluster]: CLUSTER },
    });
    await r.start();
    const s = await runtime.attach(r.id, { stdin: false, stdout: true, stderr: true });
    const chunks: Buffer[] = [];
    s.stdout.on('data', (b: Buffer) => chunks.push(b));
    assert.deepEqual(await s.exit, { code: 0 });
    assert.equal(Buffer.concat(chunks).toString('utf8'), 'bye\n');
  });

  it("a stdinOnce container's first attach also gets what it printed before (kubectl run -i), a later one does not", async () => {
    const c = await docker.createContainer({
      Image: IMAGE,
      Cmd: ['sh', '-c', 'echo early; read -r line; echo "got $line"; sleep 2; echo late'],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      Labels: { [LABELS.cluster]: CLUSTER },
    });
    await c.start();
    await waitFor('the early line', async () =>
      (await c.logs({ stdout: true, follow: false })).toString('utf8').includes('early') ? true : undefined,
    );
    const first = await runtime.attach(c.id, { stdin: true, stdout: true, stderr: true });
    const out: Buffer[] = [];
    first.stdout.on('data', (b: Buffer) => out.push(b));
    first.stdin.end('hi\n');
    await waitFor('the answer', () => (Buffer.concat(out).toString('utf8').includes('got hi') ? true : undefined));
    const second = await runtime.attach(c.id, { stdin: false, stdout: true, stderr: true });
    const later: Buffer[] = [];
    second.stdout.on('data', (b: Buffer) => later.push(b));
    assert.deepEqual(await second.exit, { code: 0 });
    await first.exit;
    assert.equal(Buffer.concat(out).toString('utf8'), 'early\ngot hi\nlate\n', 'the first attach: everything, once');
    assert.equal(Buffer.concat(later).toString('utf8'), 'late\n', 'a later attach: only what came after it');
  });
});
