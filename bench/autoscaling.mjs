#!/usr/bin/env node
// Benchmark: the HorizontalPodAutoscaler's reaction time to a load step. A Deployment of one pod
// (100m CPU requested) burns CPU while /tmp/on exists in it; an HPA (autoscaling/v2, 50 % CPU,
// 1..3 replicas, the default 15 s sync period) watches it. Each round: `touch /tmp/on` at t0, then
// the seconds until the HPA's status shows the load (utilization over target), until it scales
// the Deployment up, and until the added pods are Running+Ready; then `rm /tmp/on` and the seconds
// until it is back at one replica (with the lab's downscale stabilization at 30 s). Seen through
// the REST API, polled every 50 ms. A lab of its own (e2e slot 4 unless KUBELAB_E2E_SLOT says
// otherwise).
// Usage: npx tsc -b && node bench/autoscaling.mjs [rounds=3]
process.env.KUBELAB_E2E_SLOT ??= '4';
const { startLab, until, isReady, stats, sleep } = await import('./lib-lab.mjs');

const rounds = Number(process.argv[2] ?? 3);
const WINDOW = '30';
const lab = await startLab({ KUBELAB_HPA_DOWNSCALE_STABILIZATION_SECONDS: WINDOW });
const { call, kubectl } = lab;

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'step' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'step' } },
    template: {
      metadata: { labels: { app: 'step' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'burn',
            image: 'kubelab/busybox',
            resources: { requests: { cpu: '100m' } },
            command: [
              'sh',
              '-c',
              "trap 'exit 0' TERM; while true; do if [ -f /tmp/on ]; then i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; else sleep 0.2; fi; done",
            ],
          },
        ],
      },
    },
  },
};
const hpa = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'step' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'step' },
    minReplicas: 1,
    maxReplicas: 3,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
  },
};

const get = async (path) => (await call('GET', path)).json();
const replicas = async () => (await get('/apis/apps/v1/namespaces/default/deployments/step')).spec.replicas;
const utilization = async () =>
  (await get('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/step')).status?.currentMetrics?.[0]
    ?.resource?.current?.averageUtilization;
const pods = async () =>
  (await get('/api/v1/namespaces/default/pods?labelSelector=app%3Dstep')).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );

const seen = { metrics: [], scaled: [], ready: [], down: [] };
try {
  for (const [path, obj] of [
    ['/apis/apps/v1/namespaces/default/deployments', deployment],
    ['/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', hpa],
  ]) {
    const r = await call('POST', path, JSON.stringify(obj));
    if (r.status !== 201) throw new Error(`create ${path}: ${r.status} ${r.text}`);
  }
  for (let round = 0; round < rounds; round++) {
    // Idle and settled: one ready pod, metrics known and below target.
    await until(
      'one idle pod with metrics',
      async () => {
        const p = await pods();
        const u = await utilization();
        return p.length === 1 && isReady(p[0]) && (await replicas()) === 1 && u !== undefined && u < 50;
      },
      600_000,
      500,
    );
    await sleep(2000);
    const [first] = await pods();
    const t0 = performance.now();
    await kubectl(['exec', first.metadata.name, '--', 'touch', '/tmp/on']);
    const since = () => (performance.now() - t0) / 1000;
    await until('load visible in the HPA status', async () => ((await utilization()) ?? 0) > 50, 300_000);
    seen.metrics.push(since());
    await until('the HPA to scale up', async () => (await replicas()) > 1, 300_000);
    seen.scaled.push(since());
    await until(
      'the added pods Running+Ready',
      async () => {
        const p = await pods();
        return p.length === (await replicas()) && p.every(isReady);
      },
      300_000,
    );
    seen.ready.push(since());
    const t1 = performance.now();
    await kubectl(['exec', first.metadata.name, '--', 'rm', '-f', '/tmp/on']);
    await until('back to one replica', async () => (await replicas()) === 1, 600_000, 200);
    seen.down.push((performance.now() - t1) / 1000);
  }
} finally {
  await lab.down();
}
console.log(
  `load step → HPA status shows the load (metrics pipeline: kubelet stats, apiserver cache, 15 s sync): ${stats(seen.metrics)}`,
);
console.log(`load step → HPA scales the Deployment up: ${stats(seen.scaled)}`);
console.log(`load step → the added pods Running+Ready: ${stats(seen.ready)}`);
console.log(`load stop → back to 1 replica (downscale stabilization ${WINDOW} s): ${stats(seen.down)}`);
