import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import {
  DOCKER_VOLUME_FINALIZER,
  type KubeObject,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
} from '@kubelab/api';
import { FakeRuntime } from '../runtime/fake.js';
import { TestApi, ManualClock, silentLogger } from '../testing/fakes.js';
import { ApiClaimObjects, PV_LABEL } from './claims.js';
import { VolumeManager } from './manager.js';
import { VolumeSetupError } from './content.js';
import { DockerVolumeReclaimer, type VolumeSource } from './pvreclaim.js';

function setup() {
  const api = new TestApi();
  const runtime = new FakeRuntime({
    cluster: 'lab',
    node: 'node-1',
    network: 'net',
    clock: new ManualClock(),
    pauseImage: 'pause:fake',
  });
  const volumes = new VolumeManager({
    runtime,
    cluster: 'lab',
    node: 'node-1',
    log: silentLogger(),
    claims: new ApiClaimObjects(api),
  });
  return { api, runtime, volumes };
}

const pod = (claimName: string, readOnly = false): Pod => ({
  metadata: { name: 'web-0', namespace: 'default', uid: 'pod-uid' },
  spec: {
    volumes: [{ name: 'www', persistentVolumeClaim: { claimName, readOnly } }],
    containers: [{ name: 'c', image: 'img', volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }],
  },
});

function claim(api: TestApi, name: string, volumeName?: string): PersistentVolumeClaim {
  return api.put<PersistentVolumeClaim>('persistentvolumeclaims', {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      ...(volumeName ? { volumeName } : {}),
    },
    status: { phase: volumeName ? 'Bound' : 'Pending' },
  } as PersistentVolumeClaim);
}

function dockerPV(api: TestApi, name: string, claimUid: string): PersistentVolume {
  return api.put<PersistentVolume>('persistentvolumes', {
    metadata: { name, finalizers: [DOCKER_VOLUME_FINALIZER] },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Delete',
      claimRef: { namespace: 'default', name: 'www-web-0', uid: claimUid },
      csi: { driver: 'kubelab.io/docker-volume', volumeHandle: `lab-${name}`, volumeAttributes: { node: 'node-1' } },
    },
  } as PersistentVolume);
}

describe('persistentVolumeClaim volumes', () => {
  it("mounts the claim's Docker volume, labelled with the cluster and the PV (not the pod), and keeps it after the pod", async () => {
    const { api, runtime, volumes } = setup();
    claim(api, 'www-web-0', 'pvc-1');
    dockerPV(api, 'pvc-1', 'uid-www-web-0');
    const p = pod('www-web-0');
    const sources = await volumes.setUp(p, { podIP: '10.0.0.2', hostIP: '10.0.0.1' } as never);
    assert.deepEqual(sources.get('www'), { type: 'volume', source: 'lab-pvc-1', readOnly: false });
    assert.deepEqual(runtime.volumes.get('lab-pvc-1')?.labels, { 'io.kubelab.cluster': 'lab', [PV_LABEL]: 'pvc-1' });
    const mounts = await volumes.mounts(p.spec.containers[0]!, sources);
    assert.deepEqual(mounts, [
      { type: 'volume', source: 'lab-pvc-1', target: '/usr/share/nginx/html', readOnly: false },
    ]);
    await volumes.tearDown('pod-uid');
    assert.ok(runtime.volumes.has('lab-pvc-1'), 'the data outlives the pod');
  });

  it('waits with a FailedMount message while the claim is missing or unbound; a hostPath PV is a bind mount', async () => {
    const { api, volumes } = setup();
    const ctx = { podIP: '10.0.0.2', hostIP: '10.0.0.1' } as never;
    await assert.rejects(
      volumes.setUp(pod('data'), ctx),
      (e: unknown) => e instanceof VolumeSetupError && /persistentvolumeclaims "data" not found/.test(e.message),
    );
    claim(api, 'data');
    await assert.rejects(
      volumes.setUp(pod('data'), ctx),
      (e: unknown) =>
        e instanceof VolumeSetupError &&
        e.message ===
          'Unable to attach or mount volumes: unmounted volumes=[www], unattached volumes=[www]: error processing PVC default/data: PVC is not bound',
    );
    claim(api, 'data', 'local-1');
    api.put<KubeObject>('persistentvolumes', {
      metadata: { name: 'local-1' },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path: '/srv/data' },
        claimRef: { namespace: 'default', name: 'data', uid: 'uid-data' },
      },
    } as KubeObject);
    const sources = await volumes.setUp(pod('data', true), ctx);
    assert.deepEqual(sources.get('www'), { type: 'bind', source: '/srv/data', readOnly: true, hostDir: '/srv/data' });
  });

  it('the node removes the Docker volume of its deleted PV, then the finalizer; a volume in use is tried again', async () => {
    const { api, runtime, volumes } = setup();
    claim(api, 'www-web-0', 'pvc-1');
    dockerPV(api, 'pvc-1', 'uid-www-web-0');
    await volumes.setUp(pod('www-web-0'), { podIP: '', hostIP: '' } as never);
    const pv = api.get<PersistentVolume>('persistentvolumes', '', 'pvc-1');
    api.put('persistentvolumes', {
      ...(await pv),
      metadata: { ...(await pv).metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    });
    const source: VolumeSource = { list: () => [], addHandlers: () => undefined, run: () => Promise.resolve() };
    const reclaimer = new DockerVolumeReclaimer({
      api,
      volumes: source,
      runtime,
      cluster: 'lab',
      node: 'node-1',
      log: silentLogger(),
      retryMs: 60_000,
    });
    const realRemove = runtime.removeVolumes.bind(runtime);
    runtime.removeVolumes = () => Promise.reject(new ApiError('Conflict', 'volume is in use'));
    await reclaimer.reclaim('pvc-1');
    assert.ok(
      (await api.get<PersistentVolume>('persistentvolumes', '', 'pvc-1')).metadata.finalizers?.includes(
        DOCKER_VOLUME_FINALIZER,
      ),
      'kept while the volume could not go',
    );
    runtime.removeVolumes = realRemove;
    await reclaimer.reclaim('pvc-1');
    assert.equal(runtime.volumes.has('lab-pvc-1'), false);
    // Its last finalizer gone, the PV being deleted is removed by the apiserver.
    assert.equal(api.peek('persistentvolumes', '', 'pvc-1'), undefined);
  });
});
