import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Pod } from '@kubelab/api';
import { harness, NODE, type Harness } from '../testing/harness.js';
import { makePod } from '../testing/fakes.js';
import { dockerVolumeName } from './manager.js';
import { checkSubPath, expandSubPathExpr, resolveInVolume, subPathOf, type VolumePathStat } from './subpath.js';

function hostConfig(h: Harness, pod: Pod, name: string) {
  const c = h.runtime.podContainers(pod.metadata.uid!, name)[0];
  assert.ok(c, `container ${name} was created`);
  return h.runtime.createOptions.get(c.id)!.HostConfig!;
}

function waitingOf(h: Harness, pod: Pod, name: string) {
  return h.get(pod)?.status?.containerStatuses?.find((s) => s.name === name)?.state.waiting;
}

const dataDir = (pod: Pod, volume: string) =>
  `/var/lib/docker/volumes/${dockerVolumeName(pod.metadata.uid!, volume)}/_data`;

describe('subPath: the path', () => {
  it('cleans a relative path; "." and "" are the volume root', () => {
    assert.equal(checkSubPath('a/./b/'), 'a/b');
    assert.equal(checkSubPath('a//b'), 'a/b');
    assert.equal(checkSubPath('.'), '');
    assert.equal(checkSubPath(''), '');
    assert.equal(checkSubPath('..data/x'), '..data/x', 'only a whole ".." element is a back-step');
  });

  it('rejects absolute paths and back-steps with upstream kubelet messages', () => {
    assert.throws(() => checkSubPath('/etc'), { message: 'error SubPath `/etc` must not be an absolute path' });
    assert.throws(() => checkSubPath('a/../../b'), {
      message: "unable to provision SubPath `a/../../b`: must not contain '..'",
    });
    assert.throws(() => checkSubPath('..'), /must not contain '\.\.'/);
  });

  it('expands subPathExpr from the env; a missing or empty variable is an error naming all of them', () => {
    const env = new Map([
      ['POD', 'web-0'],
      ['EMPTY', ''],
    ]);
    assert.equal(expandSubPathExpr('logs/$(POD)', env), 'logs/web-0');
    assert.equal(expandSubPathExpr('cost$$/$(POD)', env), 'cost$/web-0', '$$ is an escaped $');
    assert.throws(() => expandSubPathExpr('$(ZED)/$(EMPTY)/$(POD)', env), { message: 'missing value for EMPTY, ZED' });
    assert.equal(subPathOf({ subPathExpr: '$(POD)', subPath: 'ignored' }, env), 'web-0', 'subPathExpr wins');
    assert.throws(() => subPathOf({ subPathExpr: '$(ABS)' }, new Map([['ABS', '/x']])), /must not be an absolute path/);
  });
});

describe('subPath: mounts of every volume type', () => {
  it('binds the part of emptyDir, configMap, secret, downwardAPI, projected and hostPath volumes', async () => {
    const h = harness();
    await h.api.seed<KubeObject>('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'site', namespace: 'default' },
      data: { 'app.conf': 'x=1' },
    } as KubeObject);
    await h.api.seed<KubeObject>('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'default' },
      data: { token: Buffer.from('t').toString('base64') },
    } as KubeObject);
    const pod = await h.add(
      makePod('web', NODE, {
        volumes: [
          { name: 'scratch', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'site' } },
          { name: 'sec', secret: { secretName: 'creds' } },
          { name: 'info', downwardAPI: { items: [{ path: 'meta/name', fieldRef: { fieldPath: 'metadata.name' } }] } },
          { name: 'mix', projected: { sources: [{ configMap: { name: 'site' } }] } },
          { name: 'host', hostPath: { path: '/srv/data/' } },
        ],
        containers: [
          {
            name: 'app',
            image: 'img:1',
            env: [{ name: 'ME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            volumeMounts: [
              { name: 'scratch', mountPath: '/whole' },
              { name: 'scratch', mountPath: '/part', subPath: 'a/./b/' },
              { name: 'scratch', mountPath: '/mine', subPathExpr: 'per-pod/$(ME)' },
              { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' },
              { name: 'sec', mountPath: '/run/token', subPath: 'token', readOnly: false },
              { name: 'info', mountPath: '/meta', subPath: 'meta' },
              { name: 'mix', mountPath: '/mix.conf', subPath: 'app.conf' },
              { name: 'host', mountPath: '/logs', subPath: 'logs/$(ME)' },
              { name: 'host', mountPath: '/root-again', subPath: '.' },
            ],
          },
        ],
      }),
    );
    await h.sync(pod);
    const hc = hostConfig(h, pod, 'app');
    assert.deepEqual(hc.Mounts, [
      { Type: 'volume', Source: dockerVolumeName(pod.metadata.uid!, 'scratch'), Target: '/whole', ReadOnly: false },
    ]);
    assert.deepEqual(hc.Binds, [
      `${dataDir(pod, 'scratch')}/a/b:/part`,
      `${dataDir(pod, 'scratch')}/per-pod/web:/mine`,
      `${dataDir(pod, 'cfg')}/app.conf:/etc/app.conf:ro`,
      `${dataDir(pod, 'sec')}/token:/run/token:ro`,
      `${dataDir(pod, 'info')}/meta:/meta:ro`,
      `${dataDir(pod, 'mix')}/app.conf:/mix.conf:ro`,
      '/srv/data/logs/$(ME):/logs',
      '/srv/data/:/root-again',
    ]);
    assert.equal(h.runtime.volumes.size, 5, 'the content volumes are still written as a whole');
  });

  it('refuses what cannot be mounted with CreateContainerConfigError, other containers go on', async () => {
    const h = harness();
    // Seeded as is: the apiserver refuses the absolute subPath at create ("must be a relative
    // path"); what is tested is that the kubelet refuses it too, should such a pod reach it.
    const pod = h.api.put(
      'pods',
      makePod('web', NODE, {
        volumes: [
          { name: 'ram', emptyDir: { medium: 'Memory' } },
          { name: 'disk', emptyDir: {} },
        ],
        containers: [
          { name: 'tmpfs', image: 'img:1', volumeMounts: [{ name: 'ram', mountPath: '/r', subPath: 'x' }] },
          { name: 'unset', image: 'img:1', volumeMounts: [{ name: 'disk', mountPath: '/d', subPathExpr: '$(NOPE)' }] },
          {
            name: 'escape',
            image: 'img:1',
            env: [{ name: 'UP', value: '../..' }],
            volumeMounts: [{ name: 'disk', mountPath: '/d', subPathExpr: '$(UP)/etc' }],
          },
          { name: 'abs', image: 'img:1', volumeMounts: [{ name: 'disk', mountPath: '/d', subPath: '/etc' }] },
          { name: 'fine', image: 'img:1', volumeMounts: [{ name: 'ram', mountPath: '/r' }] },
        ],
      }),
    );
    await h.sync(pod);
    assert.deepEqual(waitingOf(h, pod, 'tmpfs'), {
      reason: 'CreateContainerConfigError',
      message:
        'subPath is not supported for emptyDir volume "ram" with medium Memory: Docker 20.10 cannot mount a part of a tmpfs volume; mount the whole volume instead',
    });
    assert.deepEqual(waitingOf(h, pod, 'unset'), {
      reason: 'CreateContainerConfigError',
      message: 'missing value for NOPE',
    });
    assert.deepEqual(waitingOf(h, pod, 'escape'), {
      reason: 'CreateContainerConfigError',
      message: "unable to provision SubPath `../../etc`: must not contain '..'",
    });
    assert.deepEqual(waitingOf(h, pod, 'abs'), {
      reason: 'CreateContainerConfigError',
      message: 'error SubPath `/etc` must not be an absolute path',
    });
    assert.equal(h.runtime.podContainers(pod.metadata.uid!, 'fine').length, 1);
    assert.ok(h.events.lines().includes('Warning Failed Error: missing value for NOPE'), h.events.lines().join('\n'));
  });

  it('follows symbolic links inside the volume, refuses one that leads out of it (CVE-2017-1002101)', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('links', NODE, {
        volumes: [{ name: 'disk', emptyDir: {} }],
        containers: [
          { name: 'out', image: 'img:1', volumeMounts: [{ name: 'disk', mountPath: '/d', subPath: 'esc/etc' }] },
          { name: 'in', image: 'img:1', volumeMounts: [{ name: 'disk', mountPath: '/d', subPath: 'current/logs' }] },
        ],
      }),
    );
    // What a container of the pod could have made before: esc -> /, current -> releases/v2.
    h.runtime.volumePaths.set(
      dockerVolumeName(pod.metadata.uid!, 'disk'),
      new Map<string, VolumePathStat>([
        ['esc', { link: null }],
        ['current', { link: 'releases/v2' }],
        ['releases', {}],
        ['releases/v2', {}],
      ]),
    );
    await h.sync(pod);
    assert.deepEqual(waitingOf(h, pod, 'out'), {
      reason: 'CreateContainerConfigError',
      message:
        'failed to prepare subPath for volumeMount "disk" of container "out": subpath "esc/etc" not within volume path: "esc" is a symbolic link that leads outside the volume',
    });
    assert.deepEqual(
      hostConfig(h, pod, 'in').Binds,
      [`${dataDir(pod, 'disk')}/releases/v2/logs:/d`],
      'the resolved path is bound, not the link',
    );
  });
});

describe('subPath: resolveInVolume', () => {
  const fs = (entries: Record<string, VolumePathStat>) => (rel: string) => Promise.resolve(entries[rel]);

  it("keeps a path without links; the missing rest is the engine's to make", async () => {
    assert.equal(await resolveInVolume('a/b/c', fs({ a: {}, 'a/b': {} })), 'a/b/c');
    assert.equal(await resolveInVolume('new/dir', fs({})), 'new/dir');
    assert.equal(await resolveInVolume('', fs({})), '');
  });

  it('replaces each link by where it leads, again for links behind links', async () => {
    const tree = fs({
      app: { link: 'v1' },
      v1: {},
      'v1/conf': { link: 'shared/conf' },
      shared: {},
      'shared/conf': {},
      top: { link: '' },
    });
    assert.equal(await resolveInVolume('app/conf/x.yaml', tree), 'shared/conf/x.yaml');
    assert.equal(await resolveInVolume('top/app', tree), 'v1');
  });

  it('refuses a link out of the volume wherever it is on the path', async () => {
    await assert.rejects(
      resolveInVolume('x', fs({ x: { link: null } })),
      /subpath "x" not within volume path: "x" is a symbolic link/,
    );
    await assert.rejects(
      resolveInVolume('a/b/c', fs({ a: {}, 'a/b': { link: null } })),
      /"a\/b" is a symbolic link that leads outside the volume/,
    );
    await assert.rejects(
      resolveInVolume('in/up', fs({ in: { link: 'd' }, d: {}, 'd/up': { link: null } })),
      /"d\/up" is a symbolic link/,
    );
  });
});
