import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Pod } from '@kubelab/api';
import { harness, NODE, type Harness } from '../testing/harness.js';
import { makePod } from '../testing/fakes.js';
import { atomicLayout } from './content.js';
import { dockerVolumeName } from './manager.js';

/** Reads back a ustar archive: path → content (files) or "-> target" (symlinks) or "dir". */
function untar(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off + 512 <= b.length) {
    const h = b.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const str = (s: number, l: number) =>
      h
        .subarray(s, s + l)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = str(345, 155);
    const path = (prefix ? `${prefix}/` : '') + str(0, 100);
    const size = parseInt(str(124, 12), 8);
    const type = str(156, 1);
    const mode = parseInt(str(100, 8), 8);
    off += 512;
    if (type === '0') out[path] = `${b.subarray(off, off + size).toString('utf8')} (${mode.toString(8)})`;
    else if (type === '2') out[path] = `-> ${str(157, 100)}`;
    else out[path] = 'dir';
    off += Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Creates the ConfigMap, or replaces its data (a user's kubectl apply). */
async function putConfigMap(h: Harness, name: string, data: Record<string, string>): Promise<void> {
  const cur = h.api.peek<KubeObject>('configmaps', 'default', name);
  if (cur) await h.api.registry.update('configmaps', 'default', name, { ...cur, data } as KubeObject);
  else
    await h.api.seed<KubeObject>('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
      data,
    } as KubeObject);
}

function mountsOf(h: Harness, pod: Pod, name: string) {
  const c = h.runtime.podContainers(pod.metadata.uid!, name)[0]!;
  return h.runtime.createOptions.get(c.id)!.HostConfig!;
}

describe('pod volumes', () => {
  it('shares an emptyDir between containers and removes it with the pod', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        volumes: [{ name: 'scratch', emptyDir: {} }],
        containers: [
          { name: 'a', image: 'img:1', volumeMounts: [{ name: 'scratch', mountPath: '/data' }] },
          { name: 'b', image: 'img:1', volumeMounts: [{ name: 'scratch', mountPath: '/in', readOnly: true }] },
        ],
      }),
    );
    const uid = pod.metadata.uid!;
    await h.sync(pod);
    const vol = dockerVolumeName(uid, 'scratch');
    assert.deepEqual(h.runtime.volumes.get(vol)?.labels['io.kubernetes.pod.uid'], uid);
    assert.deepEqual(mountsOf(h, pod, 'a').Mounts, [{ Type: 'volume', Source: vol, Target: '/data', ReadOnly: false }]);
    assert.deepEqual(mountsOf(h, pod, 'b').Mounts, [{ Type: 'volume', Source: vol, Target: '/in', ReadOnly: true }]);
    await h.sync(pod);
    assert.equal(h.runtime.volumes.size, 1);
    await h.deleteGracefully(pod);
    await h.sync(pod);
    assert.equal(h.runtime.volumes.size, 0, 'removed after the containers');
  });

  it('writes configMap files atomically, rewrites them on change, and waits for a missing ConfigMap', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        volumes: [
          {
            name: 'cfg',
            configMap: { name: 'settings', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] },
          },
          { name: 'all', configMap: { name: 'settings' } },
        ],
        containers: [
          {
            name: 'app',
            image: 'img:1',
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/app' },
              { name: 'all', mountPath: '/etc/all' },
            ],
          },
        ],
      }),
    );
    await h.sync(pod);
    assert.equal(h.runtime.count('create'), 0);
    assert.ok(
      h.events
        .lines()
        .includes('Warning FailedMount MountVolume.SetUp failed for volume "cfg" : configmap "settings" not found'),
    );

    await putConfigMap(h, 'settings', { 'app.conf': 'debug=true\n', other: 'x' });
    await h.sync(pod);
    const cfgVol = h.runtime.volumes.get(dockerVolumeName(pod.metadata.uid!, 'cfg'))!;
    assert.equal(cfgVol.writes.length, 1);
    assert.deepEqual(untar(cfgVol.writes[0]!), {
      '..v1': 'dir',
      '..v1/conf': 'dir',
      '..v1/conf/app.conf': 'debug=true\n (600)',
      '..data': '-> ..v1',
      conf: '-> ..data/conf',
    });
    assert.deepEqual(
      Object.keys(untar(h.runtime.volumes.get(dockerVolumeName(pod.metadata.uid!, 'all'))!.writes[0]!)).sort(),
      ['..data', '..v2', '..v2/app.conf', '..v2/other', 'app.conf', 'other'],
    );
    assert.equal(mountsOf(h, pod, 'app').Mounts?.[0]?.ReadOnly, true, 'content volumes are read-only');

    await h.sync(pod);
    assert.equal(cfgVol.writes.length, 1, 'unchanged content is not rewritten');
    await putConfigMap(h, 'settings', { 'app.conf': 'debug=false\n' });
    await h.sync(pod);
    assert.equal(cfgVol.writes.length, 2);
    assert.equal(untar(cfgVol.writes[1]!)['..v3/conf/app.conf'], 'debug=false\n (600)');
    assert.equal(h.runtime.count('create'), 1, 'the running container keeps running');
  });

  it('decodes secrets, renders downwardAPI and projected volumes, and bind-mounts hostPath', async () => {
    const h = harness();
    await h.api.seed<KubeObject>('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'default' },
      data: { token: Buffer.from('t0k3n').toString('base64') },
    } as KubeObject);
    await putConfigMap(h, 'settings', { mode: 'fast' });
    const pod = await h.add(
      makePod(
        'web',
        NODE,
        {
          volumes: [
            { name: 'sec', secret: { secretName: 'creds', defaultMode: 0o400 } },
            {
              name: 'info',
              downwardAPI: {
                items: [
                  { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                  { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                ],
              },
            },
            {
              name: 'mix',
              projected: {
                sources: [
                  { configMap: { name: 'settings' } },
                  { secret: { name: 'creds' } },
                  { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
                ],
              },
            },
            { name: 'host', hostPath: { path: '/var/log' } },
          ],
          containers: [
            {
              name: 'app',
              image: 'img:1',
              volumeMounts: [
                { name: 'host', mountPath: '/host-logs', readOnly: true },
                { name: 'sec', mountPath: '/s' },
              ],
            },
          ],
        },
        { labels: { app: 'web', tier: 'front' } },
      ),
    );
    await h.sync(pod);
    const uid = pod.metadata.uid!;
    const files = (v: string) => untar(h.runtime.volumes.get(dockerVolumeName(uid, v))!.writes[0]!);
    const sec = files('sec');
    assert.equal(Object.entries(sec).find(([k]) => k.endsWith('/token'))?.[1], 't0k3n (400)');
    const info = files('info');
    assert.equal(Object.entries(info).find(([k]) => k.endsWith('/labels'))?.[1], 'app="web"\ntier="front" (644)');
    assert.equal(Object.entries(info).find(([k]) => k.endsWith('/name'))?.[1], 'web (644)');
    const mix = Object.entries(files('mix'))
      .filter(([k]) => /^\.\.v\d+\//.test(k))
      .map(([k, v]) => `${k.replace(/^\.\.v\d+\//, '')}=${v}`)
      .sort();
    assert.deepEqual(mix, ['mode=fast (644)', 'ns=default (644)', 'token=t0k3n (644)']);
    const hc = mountsOf(h, pod, 'app');
    assert.deepEqual(hc.Binds, ['/var/log:/host-logs:ro']);
    assert.equal(h.runtime.volumes.has(dockerVolumeName(uid, 'host')), false, 'hostPath makes no Docker volume');
  });

  it('backs a Memory emptyDir with tmpfs, limited to sizeLimit', async () => {
    const h = harness();
    const pod = await h.add(
      makePod('web', NODE, {
        volumes: [
          { name: 'ram', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
          { name: 'disk', emptyDir: {} },
        ],
      }),
    );
    await h.sync(pod);
    assert.deepEqual(h.runtime.volumes.get(dockerVolumeName(pod.metadata.uid!, 'ram'))?.opts, {
      tmpfs: { sizeBytes: 64 * 1024 * 1024 },
    });
    assert.deepEqual(h.runtime.volumes.get(dockerVolumeName(pod.metadata.uid!, 'disk'))?.opts, {});
  });

  it('rejects unsafe item paths', () => {
    assert.throws(() => atomicLayout([{ path: '../escape', content: '', mode: 0o644 }], 'v'), /may not contain '\.\.'/);
    assert.throws(() => atomicLayout([{ path: '/abs', content: '', mode: 0o644 }], 'v'), /must be relative/);
  });
});
