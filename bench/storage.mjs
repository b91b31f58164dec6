#!/usr/bin/env node
// Benchmark: seconds from creating a PersistentVolumeClaim (class `standard`: WaitForFirstConsumer,
// provisioned as a Docker named volume) together with a pod that mounts it, to that pod Running
// and Ready; the same for a StatefulSet of one replica (the claim made by the controller from its
// volumeClaimTemplate); and, as the floor, the same pod with an emptyDir instead of a claim.
// Everything is seen through the REST API, polled every 50 ms. A lab of its own (e2e slot 3 unless
// KUBELAB_E2E_SLOT says otherwise).
// Usage: npx tsc -b && node bench/storage.mjs [rounds=5]
process.env.KUBELAB_E2E_SLOT ??= '3';
const { startLab, until, isReady, stats } = await import('./lib-lab.mjs');

const rounds = Number(process.argv[2] ?? 5);
const lab = await startLab();
const { call } = lab;

const container = {
  name: 'c',
  image: 'kubelab/busybox',
  command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"],
  volumeMounts: [{ name: 'data', mountPath: '/data' }],
};
const pod = (name, volume) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'storage' } },
  spec: { terminationGracePeriodSeconds: 1, containers: [container], volumes: [{ name: 'data', ...volume }] },
});
const claim = (name) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});
const sts = (name) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name },
  spec: {
    replicas: 1,
    serviceName: name,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { terminationGracePeriodSeconds: 1, containers: [container] },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ],
  },
});

async function create(path, obj) {
  const r = await call('POST', path, JSON.stringify(obj));
  if (r.status !== 201) throw new Error(`create ${path}: ${r.status} ${r.text}`);
}

async function readyIn(name, t0) {
  await until(
    `pod ${name} Running and Ready`,
    async () => {
      const r = await call('GET', `/api/v1/namespaces/default/pods/${name}`);
      return r.status === 200 && isReady(r.json());
    },
    180_000,
  );
  return (performance.now() - t0) / 1000;
}

const times = { emptyDir: [], claim: [], statefulset: [] };
try {
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    await create('/api/v1/namespaces/default/pods', pod(`floor-${i}`, { emptyDir: {} }));
    times.emptyDir.push(await readyIn(`floor-${i}`, t0));

    t0 = performance.now();
    await create('/api/v1/namespaces/default/persistentvolumeclaims', claim(`data-${i}`));
    await create(
      '/api/v1/namespaces/default/pods',
      pod(`user-${i}`, { persistentVolumeClaim: { claimName: `data-${i}` } }),
    );
    times.claim.push(await readyIn(`user-${i}`, t0));

    t0 = performance.now();
    await create('/apis/apps/v1/namespaces/default/statefulsets', sts(`db${i}`));
    times.statefulset.push(await readyIn(`db${i}-0`, t0));
  }
} finally {
  await lab.down();
}
console.log(`pod with an emptyDir → Running+Ready (the floor): ${stats(times.emptyDir)}`);
console.log(`PVC created with its pod → pod Running+Ready (WaitForFirstConsumer, provisioned): ${stats(times.claim)}`);
console.log(`StatefulSet (1 replica, volumeClaimTemplates) created → web-0 Running+Ready: ${stats(times.statefulset)}`);
