#!/usr/bin/env node
// Benchmark: a lab's lifecycle, each verb timed (lab API calls, as ./kubelab runs them):
//  up (images built; from no containers, data volumes removed), with its steps: what `up` logs
//   (host check, images, PKI, compose, apiserver, nodes) and what the lab's containers show
//   (created/started, apiserver ready, each kubelet's certificate and registration);
//  the idle lab after IDLE_SECONDS [30]: memory per component (the main process's RSS, its anonymous
//   part, and `docker stats`'s figure, usage − page cache), totals without etcd, and CPU (cgroup v1
//   cpuacct over the same IDLE_SECONDS, % of one core);
//  API and pod figures: GET of a ConfigMap (N=200, one by one) and ConfigMap creates (N=50), p50/p99;
//   a 3-replica Deployment → 3 pods Ready;
//  stop, start (→ nodes Ready), down (volumes kept), delete;
//  with FRESH=1 also a fresh-machine `up`: a clone of this checkout's HEAD without node_modules,
//   dist/ or its images (own image tag <tag>-fresh), ./kubelab up there, its steps as it logs
//   them. Not measured: installing Docker and the host packages (this machine has them; the
//   shared base images busybox, node-base and etcd are found built), npm's download cache.
// Runs on a lab of its own (e2e slot 2 unless KUBELAB_E2E_SLOT says otherwise), removed at the end.
// Usage: npx tsc -b && node bench/lab-lifecycle.mjs   (KUBELAB_NODE_OPTIONS=... to compare flags)
process.env.KUBELAB_E2E_SLOT ??= '2';
const { labUp, labDown, labStop, labStart, labApiAccess } = await import('@kubelab/cli/lab');
const { E2E_ENV } = await import('../tests/dist/lib/lab.js');
const { idleUsage, printUsage, containerSteps, apiFigures } = await import('./lab-measure.mjs');
const { freshUp } = await import('./lab-fresh.mjs');

const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 30);
const project = E2E_ENV.KUBELAB_PROJECT;
const o = {
  project,
  apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
  nodes: 2,
  env: { ...E2E_ENV, ...pick(process.env, /^KUBELAB_(NODE_OPTIONS|MALLOC_ARENA_MAX)$/) },
  mergeKubeconfig: false,
  build: false,
};
const quiet = () => {};

function pick(env, re) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => re.test(k)));
}

async function timed(what, f) {
  const t0 = Date.now();
  const r = await f();
  console.log(`${what.padEnd(8)} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

await labDown({ ...o, log: quiet, volumes: true });
const steps = [];
const t0 = Date.now();
await timed('up', () => labUp({ ...o, log: (l) => steps.push([Date.now(), l]) }));
console.log('  steps (s since up began):');
for (const [t, l] of [
  ...steps.filter(([, l]) => !/^\s/.test(l)).map(([t, l]) => [t, `up: ${l}`]),
  ...(await containerSteps(project)),
].sort((a, b) => a[0] - b[0])) {
  console.log(`  ${((t - t0) / 1000).toFixed(2).padStart(6)}  ${l.slice(0, 110)}`);
}
const api = await labApiAccess(o);
printUsage(await idleUsage(project, IDLE_SECONDS), IDLE_SECONDS);
await apiFigures(api);
await timed('stop', () => labStop({ ...o, log: quiet }));
await timed('start', () => labStart({ ...o, log: quiet }));
await timed('down', () => labDown({ ...o, log: quiet, volumes: false }));
await timed('delete', () => labDown({ ...o, log: quiet, volumes: true }));
if (process.env.FRESH === '1') await freshUp(o.env);
