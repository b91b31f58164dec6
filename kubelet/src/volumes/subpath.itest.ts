/**
 * subPath mounts on the real Docker engine with the real pod workers: a part of an emptyDir shared
 * by two containers, a configMap file, subPathExpr and hostPath parts, and links the pod makes out
 * of its volume (refused) or inside it (followed). Everything carries
 * io.kubelab.cluster=kubelet-subpath-itest-<pid> and is removed by that label.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '@kubelab/api';
import { LABELS } from '../runtime/runtime.js';
import { DockerTestEnv, waitFor } from '../testing/dockerenv.js';
import { useDockerKubelet } from '../testing/dockerkubelet.js';
import { makePod as makeBasePod, RecordingApi, silentLogger } from '../testing/fakes.js';
import { dockerVolumeName } from './manager.js';

const makePod: typeof makeBasePod = (name, node, spec, meta) =>
  makeBasePod(name, node, spec, { uid: randomUUID(), ...meta });

const env = new DockerTestEnv('kubelet-subpath-itest');
const NODE = 'subpath-node';
const log = silentLogger();

describe('kubelet subPath mounts on Docker', { timeout: 120_000 }, () => {
  const api = new RecordingApi();
  const kubelet = useDockerKubelet({
    env,
    api,
    node: NODE,
    log,
    crashLoop: { baseMs: 1_000, maxMs: 8_000 },
    imageBackoff: { baseMs: 1_000, maxMs: 4_000 },
    resyncMs: 60_000,
  });

  const { get, start, instances, remove } = kubelet;

  it('subPath: two containers share an emptyDir, one mounts only a part of it; configMap file, subPathExpr and hostPath parts', async () => {
    api.put<KubeObject>('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'site', namespace: 'default' },
      data: { 'app.conf': 'color=blue' },
    } as KubeObject);
    const hostRoot = mkdtempSync(join(os.tmpdir(), 'kubelet-subpath-host-'));
    try {
      const pod = start(
        makePod('subpaths', NODE, {
          terminationGracePeriodSeconds: 1,
          volumes: [
            { name: 'shared', emptyDir: {} },
            { name: 'site', configMap: { name: 'site' } },
            { name: 'host', hostPath: { path: hostRoot } },
          ],
          containers: [
            {
              name: 'whole',
              image: env.image,
              command: [
                'sh',
                '-c',
                'mkdir -p /data/part && echo top > /data/top && echo from-whole > /data/part/w; exec sleep 3600',
              ],
              volumeMounts: [{ name: 'shared', mountPath: '/data' }],
            },
            {
              name: 'part',
              image: env.image,
              command: ['sleep', '3600'],
              env: [{ name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              volumeMounts: [
                { name: 'shared', mountPath: '/part', subPath: 'part' },
                { name: 'shared', mountPath: '/mine', subPathExpr: 'per-pod/$(ME)' },
                { name: 'site', mountPath: '/etc/app.conf', subPath: 'app.conf' },
                { name: 'host', mountPath: '/logs', subPathExpr: 'logs/$(ME)' },
              ],
            },
          ],
        }),
      );
      await waitFor('both running', () =>
        get('subpaths')?.status?.containerStatuses?.every((c) => c.state.running) ? true : undefined,
      );
      const whole = (await instances(pod, 'whole'))[0]!;
      const part = (await instances(pod, 'part'))[0]!;
      const inPart = (cmd: string) => env.exec(part.id, ['sh', '-c', cmd]);
      const inWhole = (cmd: string) => env.exec(whole.id, ['sh', '-c', cmd]);

      const w = await waitFor("the part sees the whole container's file", async () => {
        const r = await inPart('cat /part/w');
        return r.code === 0 ? r.out.trim() : undefined;
      });
      assert.equal(w, 'from-whole');
      assert.equal((await inPart('ls /part')).out.trim(), 'w', 'only the sub-directory, not the top of the volume');
      assert.equal((await inPart('echo from-part > /part/p && echo mine > /mine/x && echo log > /logs/l')).code, 0);
      assert.equal((await inWhole('cat /data/part/p')).out.trim(), 'from-part');
      assert.equal(
        (await inWhole('cat /data/per-pod/subpaths/x')).out.trim(),
        'mine',
        'subPathExpr expanded with the container env, directory made',
      );
      assert.equal(
        readFileSync(join(hostRoot, 'logs', 'subpaths', 'l'), 'utf8').trim(),
        'log',
        'hostPath sub-directory made on the host',
      );
      assert.equal((await inPart('cat /etc/app.conf')).out, 'color=blue');
      assert.notEqual((await inPart('echo x > /etc/app.conf')).code, 0, 'a configMap file is read-only');

      const vol = dockerVolumeName(pod.metadata.uid!, 'shared');
      const mountpoint = (await env.docker.getVolume(vol).inspect()).Mountpoint;
      assert.equal(await kubelet.runtime.volumeDir(vol), mountpoint, "the runtime's volume directory is the engine's");
      const binds = (await env.docker.getContainer(part.id).inspect()).Mounts.map(
        (m) => `${m.Source}:${m.Destination}`,
      );
      assert.ok(binds.includes(`${mountpoint}/part:/part`), binds.join('\n'));

      await remove('subpaths');
      const left = await env.docker.listVolumes({ filters: { label: [`${LABELS.podUid}=${pod.metadata.uid!}`] } });
      assert.deepEqual(left.Volumes ?? [], []);
    } finally {
      rmSync(hostRoot, { recursive: true, force: true });
    }
  });

  it('subPath: a link made by the pod out of its volume is refused, one inside it is followed', async () => {
    const pod = start(
      makePod('sublinks', NODE, {
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'shared', emptyDir: {} }],
        initContainers: [
          {
            name: 'links',
            image: env.image,
            command: [
              'sh',
              '-c',
              'mkdir -p /data/real && echo inside > /data/real/f && ln -s / /data/esc && ln -s real /data/alias',
            ],
            volumeMounts: [{ name: 'shared', mountPath: '/data' }],
          },
        ],
        containers: [
          {
            name: 'out',
            image: env.image,
            command: ['sleep', '3600'],
            volumeMounts: [{ name: 'shared', mountPath: '/host', subPath: 'esc' }],
          },
          {
            name: 'in',
            image: env.image,
            command: ['sleep', '3600'],
            volumeMounts: [{ name: 'shared', mountPath: '/alias', subPath: 'alias' }],
          },
        ],
      }),
    );
    const waiting = await waitFor('"out" refused', () => {
      const w = get('sublinks')?.status?.containerStatuses?.find((c) => c.name === 'out')?.state.waiting;
      return w?.reason === 'CreateContainerConfigError' ? w : undefined;
    });
    assert.match(
      waiting.message ?? '',
      /subpath "esc" not within volume path: "esc" is a symbolic link that leads outside the volume/,
    );
    assert.deepEqual(await instances(pod, 'out'), [], "no container was made with the node's root mounted");
    await waitFor('"in" running', () =>
      get('sublinks')?.status?.containerStatuses?.find((c) => c.name === 'in')?.state.running ? true : undefined,
    );
    const inside = (await instances(pod, 'in'))[0]!;
    assert.equal((await env.exec(inside.id, ['cat', '/alias/f'])).out.trim(), 'inside');
    await remove('sublinks');
  });
});
