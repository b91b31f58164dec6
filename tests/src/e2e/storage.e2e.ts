/**
 * Volumes that outlive pods: the "StatefulSet Basics" tutorial end to end (with the lab's own
 * image), a claim's data through pod deletion, a kubelet restart and a lab stop/start, the reclaim
 * policies, a static hostPath volume, and a pod that waits for its claim.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { run, waitFor } from '../lib/kubectl.js';
import { E2E_ENV } from '../lib/lab.js';
import { serviceContainers, useE2eLab } from '../lib/e2e-lab.js';
import {
  isReady,
  readySince,
  served,
  waitForWeb,
  webManifest,
  webPods,
  WEB_IMAGE,
  WEB_IMAGE_2,
  writeHostname,
  type PodView,
} from '../lib/statefulset-steps.js';

interface Claim {
  metadata: { name: string };
  spec: { volumeName?: string };
  status: { phase?: string };
}

const CLUSTER = E2E_ENV.KUBELAB_CLUSTER!;
const HOST_DIR = `/tmp/${CLUSTER}-hostpath-pv`;

async function dockerVolumes(): Promise<string[]> {
  const r = await run('docker', ['volume', 'ls', '-q', '--filter', `label=io.kubelab.cluster=${CLUSTER}`]);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

describe('storage: StatefulSet Basics, claims that outlive pods, reclaim policies', { timeout: 25 * 60_000 }, () => {
  const lab = useE2eLab(2);
  const claims = async (): Promise<Map<string, Claim>> =>
    new Map(
      (await lab.kJson<{ items: Claim[] }>(['get', 'pvc', '-l', 'app=nginx'])).items.map((c) => [c.metadata.name, c]),
    );
  const image = async (pod: string): Promise<string> =>
    (await lab.kJson<PodView>(['get', 'pod', pod])).spec.containers[0]!.image;

  it('ordered creation: web-0 is Running and Ready before web-1 exists; stable hostnames; one Bound claim per ordinal', async () => {
    await lab.kOk(['apply', '-f', '-'], webManifest(2));
    const pods = await waitForWeb(lab, 2);
    const [p0, p1] = [pods.get('web-0')!, pods.get('web-1')!];
    assert.ok(
      Date.parse(p1.metadata.creationTimestamp) >= Math.floor(readySince(p0) / 1000) * 1000,
      'web-1 was made only after web-0 was ready',
    );
    for (const i of [0, 1])
      assert.equal((await lab.kOk(['exec', `web-${i}`, '--', 'sh', '-c', 'hostname'])).trim(), `web-${i}`);
    const c = await claims();
    assert.deepEqual([...c.keys()].sort(), ['www-web-0', 'www-web-1']);
    for (const claim of c.values()) assert.equal(claim.status.phase, 'Bound');
    assert.deepEqual(p0.spec.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim, { claimName: 'www-web-0' });
    const table = await lab.kOk(['get', 'pv,pvc,sc']);
    assert.match(table, /standard \(default\)\s+kubelab\.io\/docker-volume\s+Delete\s+WaitForFirstConsumer/);
    assert.match(table, /persistentvolumeclaim\/www-web-0\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard/);
  });

  it("each pod's DNS name through the headless Service (the tutorial's nslookup web-0.nginx)", async () => {
    // The lab's busybox nslookup does not apply the search path (the tutorial's busybox:1.28 did): the full name.
    for (const i of [0, 1]) {
      const r = await lab.k([
        'run',
        `dns-test-${i}`,
        '--image=busybox',
        '--restart=Never',
        '--rm',
        '-i',
        '--',
        'nslookup',
        `web-${i}.nginx.default.svc.cluster.local`,
      ]);
      const ip = (await lab.kJson<{ status: { podIP: string } }>(['get', 'pod', `web-${i}`])).status.podIP;
      assert.match(
        r.stdout,
        new RegExp(
          `Name:\\s+web-${i}\\.nginx\\.default\\.svc\\.cluster\\.local\\s+Address:\\s+${ip.replace(/\./g, '\\.')}`,
        ),
        `nslookup web-${i}.nginx: ${r.stdout}${r.stderr}`,
      );
    }
  });

  it('index.html written by each pod survives kubectl delete pod -l app=nginx', async () => {
    for (const i of [0, 1]) await writeHostname(lab, `web-${i}`);
    const before = await webPods(lab);
    await lab.kOk(['delete', 'pod', '-l', 'app=nginx']);
    const after = await waitFor(
      'new pods web-0, web-1 Ready',
      async () => {
        const pods = await waitForWeb(lab, 2);
        return [...pods.values()].every((p) => p.metadata.uid !== before.get(p.metadata.name)?.metadata.uid)
          ? pods
          : undefined;
      },
      180_000,
    );
    assert.equal(after.size, 2);
    for (const i of [0, 1]) assert.equal(await served(lab, `web-${i}`), `web-${i}`);
    // The new pods answer under their stable DNS names, short ones through the search path (each
    // tried a few times with a timeout, as a client of freshly replaced pods should). The client is
    // often done before kubectl attaches: kubectl then falls back to its logs (the kubelet refuses
    // to attach to an exited container; Docker would hold such an attach open for ever).
    const get = (n: string): string =>
      `for t in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -qO- http://${n}.nginx/ && break; sleep 1; done`;
    const out = await lab.kOk([
      'run',
      'client',
      '--image=busybox',
      '--restart=Never',
      '--rm',
      '-i',
      '--',
      'sh',
      '-c',
      `${get('web-0')}; ${get('web-1')}`,
    ]);
    assert.deepEqual(out.trim().split('\n').slice(0, 2), ['web-0', 'web-1']);
  });

  it('scale up to 5 in order, down to 3 in reverse order; all five claims are kept', async () => {
    await lab.kOk(['scale', 'sts', 'web', '--replicas=5']);
    const pods = await waitForWeb(lab, 5, 300_000);
    for (let i = 1; i < 5; i++) {
      const prev = pods.get(`web-${i - 1}`)!;
      assert.ok(
        Date.parse(pods.get(`web-${i}`)!.metadata.creationTimestamp) >= Math.floor(readySince(prev) / 1000) * 1000,
        `web-${i} after web-${i - 1} was ready`,
      );
    }
    await lab.kOk(['patch', 'sts', 'web', '-p', '{"spec":{"replicas":3}}']);
    // OrderedReady: web-3 is not touched while web-4 is still there.
    let outOfOrder = '';
    await waitFor(
      'web-4 and web-3 gone, highest first',
      async () => {
        const now = await webPods(lab);
        const gone3 = !now.has('web-3') || !!now.get('web-3')!.metadata.deletionTimestamp;
        if (gone3 && now.has('web-4'))
          outOfOrder = `web-3 was deleted while web-4 was still there: ${[...now.keys()].join(' ')}`;
        return !now.has('web-3') && !now.has('web-4') ? true : undefined;
      },
      180_000,
      200,
    );
    assert.equal(outOfOrder, '');
    const c = await claims();
    assert.deepEqual([...c.keys()].sort(), ['www-web-0', 'www-web-1', 'www-web-2', 'www-web-3', 'www-web-4']);
  });

  it('rolling update with a partition: staged, canary, phased; rollout status, history and undo', async () => {
    await lab.kOk([
      'patch',
      'statefulset',
      'web',
      '-p',
      '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":3}}}}',
    ]);
    await lab.kOk([
      'patch',
      'statefulset',
      'web',
      '--type=json',
      '-p',
      `[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"${WEB_IMAGE_2}"}]`,
    ]);
    // Staged: nothing below the partition changes, even a deleted pod comes back at the old revision.
    await lab.kOk(['delete', 'pod', 'web-2']);
    await waitFor(
      'web-2 back',
      async () =>
        isReady((await webPods(lab)).get('web-2') ?? ({ metadata: {}, spec: {}, status: {} } as PodView))
          ? true
          : undefined,
      120_000,
    );
    assert.equal(await image('web-2'), WEB_IMAGE);
    // Canary: partition 2 updates web-2 only.
    await lab.kOk([
      'patch',
      'statefulset',
      'web',
      '-p',
      '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}}}',
    ]);
    await waitFor(
      'web-2 at the new image',
      async () =>
        (await image('web-2').catch(() => '')) === WEB_IMAGE_2 && isReady((await webPods(lab)).get('web-2')!)
          ? true
          : undefined,
      120_000,
    );
    assert.deepEqual([await image('web-0'), await image('web-1')], [WEB_IMAGE, WEB_IMAGE]);
    // Phased: partition 0 rolls the rest, highest first.
    await lab.kOk([
      'patch',
      'statefulset',
      'web',
      '-p',
      '{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}}}}',
    ]);
    const status = await lab.kOk(['rollout', 'status', 'sts/web', '--timeout=240s']);
    assert.match(status, /partitioned roll out complete: 3 new pods have been updated/);
    for (const i of [0, 1, 2]) assert.equal(await image(`web-${i}`), WEB_IMAGE_2);
    assert.match(await lab.kOk(['rollout', 'history', 'sts/web']), /REVISION\s+CHANGE-CAUSE\s+1\s+<none>\s+2\s+<none>/);
    assert.match(await lab.kOk(['get', 'controllerrevisions']), /web-\S+\s+statefulset\.apps\/web\s+2/);
    await lab.kOk(['rollout', 'undo', 'sts/web']);
    await lab.kOk(['rollout', 'status', 'sts/web', '--timeout=240s']);
    for (const i of [0, 1, 2]) assert.equal(await image(`web-${i}`), WEB_IMAGE);
    for (const i of [0, 1]) assert.equal(await served(lab, `web-${i}`), `web-${i}`, `web-${i} still has its own data`);
  });

  it("a claim's data survives a kubelet restart and a lab stop/start", async () => {
    const kubelets = await serviceContainers('kubelet');
    assert.equal((await run('docker', ['restart', '-t', '2', ...kubelets], { timeoutMs: 90_000 })).code, 0);
    await lab.kOk(['delete', 'pod', 'web-0']);
    await waitForWeb(lab, 3, 240_000);
    assert.equal(await served(lab, 'web-0'), 'web-0', 'the restarted kubelet mounts the same volume');
    // A lab stop/start (the compose containers and the pods' containers stopped, the components started again).
    const project = E2E_ENV.KUBELAB_PROJECT!;
    const ids = async (filter: string[]): Promise<string[]> =>
      (await run('docker', ['ps', '-q', ...filter.flatMap((f) => ['--filter', f])])).stdout
        .split('\n')
        .filter((l) => l.trim() !== '');
    const components = await ids([`label=com.docker.compose.project=${project}`]);
    const podContainers = await ids([`label=io.kubelab.cluster=${CLUSTER}`, 'label=io.kubernetes.pod.uid']);
    assert.equal(
      (await run('docker', ['stop', '-t', '5', ...components, ...podContainers], { timeoutMs: 180_000 })).code,
      0,
    );
    assert.equal((await run('docker', ['start', ...components], { timeoutMs: 120_000 })).code, 0);
    await waitFor(
      'the API after the start',
      async () => ((await lab.k(['get', 'nodes'])).code === 0 ? true : undefined),
      180_000,
    );
    // The stored pod status is the one from before the stop until the kubelets have looked again: ask the pods themselves.
    for (const i of [0, 1])
      await waitFor(
        `web-${i} serving its own data again`,
        async () => ((await served(lab, `web-${i}`)) === `web-${i}` ? true : undefined),
        300_000,
        2000,
      );
    await waitForWeb(lab, 3, 120_000);
  });

  it('reclaim: a Delete claim takes its Docker volume along, a Retain one keeps it Released', async () => {
    await lab.kOk(
      ['apply', '-f', '-'],
      `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: keep}
provisioner: kubelab.io/docker-volume
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: gone}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Mi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: kept}
spec: {storageClassName: keep, accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: w
    image: kubelab/busybox
    command: ["sh", "-c", "echo hi > /a/x; echo hi > /b/x; trap 'exit 0' TERM; sleep 3600 & wait"]
    volumeMounts: [{name: a, mountPath: /a}, {name: b, mountPath: /b}]
  volumes: [{name: a, persistentVolumeClaim: {claimName: gone}}, {name: b, persistentVolumeClaim: {claimName: kept}}]
`,
    );
    await waitFor(
      'writer Running',
      async () => ((await lab.kJson<PodView>(['get', 'pod', 'writer'])).status.phase === 'Running' ? true : undefined),
      120_000,
    );
    const pv = async (claim: string): Promise<string> =>
      (await lab.kJson<Claim>(['get', 'pvc', claim])).spec.volumeName!;
    const [gonePV, keptPV] = [await pv('gone'), await pv('kept')];
    const vols = await dockerVolumes();
    assert.ok(
      vols.some((v) => v.endsWith(gonePV)) && vols.some((v) => v.endsWith(keptPV)),
      `both Docker volumes exist: ${vols.join(' ')}`,
    );
    assert.match(await lab.kOk(['describe', 'pv', gonePV]), /recorded, not enforced/);
    await lab.kOk(['delete', 'pod', 'writer']);
    await lab.kOk(['delete', 'pvc', 'gone', 'kept']);
    await waitFor(
      'the Delete volume gone, PV and Docker volume',
      async () =>
        (await lab.k(['get', 'pv', gonePV])).code !== 0 && !(await dockerVolumes()).some((v) => v.endsWith(gonePV))
          ? true
          : undefined,
      120_000,
    );
    await waitFor(
      'the Retain volume Released',
      async () =>
        (await lab.kJson<{ status: { phase: string } }>(['get', 'pv', keptPV])).status.phase === 'Released'
          ? true
          : undefined,
      60_000,
    );
    assert.ok(
      (await dockerVolumes()).some((v) => v.endsWith(keptPV)),
      'the retained data is still there',
    );
  });

  it('a static hostPath volume binds a matching claim (Pending → Bound); a pod waits for its missing claim', async () => {
    rmSync(HOST_DIR, { recursive: true, force: true });
    await lab.kOk(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: PersistentVolume
metadata: {name: task-pv-volume, labels: {type: local}}
spec:
  storageClassName: manual
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: "${HOST_DIR}"}
---
apiVersion: v1
kind: Pod
metadata: {name: waiter}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: w, image: kubelab/busybox, command: ["sh", "-c", "cat /data/hello; trap 'exit 0' TERM; sleep 3600 & wait"], volumeMounts: [{name: d, mountPath: /data}]}
  volumes: [{name: d, persistentVolumeClaim: {claimName: task-pv-claim}}]
`,
    );
    const scheduled = await waitFor(
      'the waiting pod to be marked unschedulable',
      async () => {
        const p = await lab.kJson<{
          status: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
        }>(['get', 'pod', 'waiter']);
        return p.status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      },
      60_000,
    );
    assert.equal(scheduled.reason, 'Unschedulable');
    assert.equal(scheduled.message, '0/2 nodes are available: persistentvolumeclaim "task-pv-claim" not found.');
    assert.match(
      await lab.kOk(['get', 'events', '--field-selector', 'involvedObject.name=waiter']),
      /FailedScheduling.*persistentvolumeclaim "task-pv-claim" not found/,
    );
    assert.match(await lab.kOk(['get', 'pv', 'task-pv-volume']), /Available/);
    await lab.kOk(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: task-pv-claim}
spec: {storageClassName: manual, accessModes: [ReadWriteOnce], resources: {requests: {storage: 500Mi}}}
`,
    );
    await waitFor(
      'the claim Bound to the static volume',
      async () =>
        (await lab.kJson<Claim>(['get', 'pvc', 'task-pv-claim'])).spec.volumeName === 'task-pv-volume'
          ? true
          : undefined,
      60_000,
    );
    assert.match(await lab.kOk(['get', 'pv', 'task-pv-volume']), /Bound\s+default\/task-pv-claim\s+manual/);
    await waitFor(
      'the pod Running on the host path',
      async () => ((await lab.kJson<PodView>(['get', 'pod', 'waiter'])).status.phase === 'Running' ? true : undefined),
      120_000,
    );
    await lab.kOk(['delete', 'pod', 'waiter']);
    await lab.kOk(['delete', 'pvc', 'task-pv-claim']);
    await waitFor(
      'the static volume Released',
      async () =>
        (await lab.kJson<{ status: { phase: string } }>(['get', 'pv', 'task-pv-volume'])).status.phase === 'Released'
          ? true
          : undefined,
      60_000,
    );
    await lab.kOk(['delete', 'pv', 'task-pv-volume']);
    rmSync(HOST_DIR, { recursive: true, force: true });
  });
});
