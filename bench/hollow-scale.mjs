#!/usr/bin/env node
// Benchmark: scale of the control plane with hollow (kubemark-style) nodes. One kubelet container
// runs HOLLOW_NODES (50) hollow nodes (KUBELAB_RUNTIME=hollow, no Docker containers for pods);
// prints the time until they are all Ready, then the time from creating a REPLICAS (200) replica
// Deployment, pinned to the hollow nodes by node affinity, to all its pods Ready, with the API
// calls per pod and the CPU each of the lab's containers spent meanwhile. Asserts nothing.
// Runs on a 2-node lab of its own (e2e slot 3 unless KUBELAB_E2E_SLOT says otherwise); with
// USE_RUNNING_LAB=1 it uses that lab as it is and leaves it up. The hollow kubelet runs from the
// kubelab/kubelab:dev image with this checkout's kubelet/dist mounted over /app/kubelet/dist
// (HOLLOW_FROM_IMAGE=1: the image's own), so the image need not be rebuilt.
// RESTART_APISERVER=1: then restarts the apiserver container (every watch of every hollow node
// breaks, and all their informers list again at once) and prints how long until it answers, and
// until the Deployment scaled up by a tenth has all its pods Ready (every component resynced).
// Usage: npx tsc -b && node bench/hollow-scale.mjs
process.env.KUBELAB_E2E_SLOT ??= '3';
const lab = await import('@kubelab/cli/lab');
const { labUp, labDown } = lab;
const http = await import('node:http');
const https = await import('node:https');
const os = await import('node:os');
const { E2E_ENV, repoRoot } = await import('../tests/dist/lib/lab.js');
const { default: Dockerode } = await import('dockerode');

const HOLLOW_NODES = Number(process.env.HOLLOW_NODES ?? 50);
const REPLICAS = Number(process.env.REPLICAS ?? 200);
// The lab's API: HTTPS with its CA and admin token when the lab has them (labApiAccess), else plain HTTP.
let access = { url: `http://127.0.0.1:${E2E_ENV.KUBELAB_API_PORT}` };

/** One request to the lab's API: { status, text }. */
function call(method, path, body, contentType = 'application/json') {
  return new Promise((resolve, reject) => {
    const url = new URL(path, access.url);
    const headers = {
      Accept: 'application/json',
      ...(body ? { 'Content-Type': contentType } : {}),
      ...(access.token ? { Authorization: `Bearer ${access.token}` } : {}),
    };
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      { method, headers, ...(access.caCert ? { ca: access.caCert } : {}) },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
/** A REST watch of the benchmark's pods from rv: onEvent(event) per line; returns its stop. */
function watchPods(rv, onEvent) {
  const url = new URL(
    `/api/v1/namespaces/default/pods?labelSelector=app%3Dhollow-scale&watch=true&resourceVersion=${rv}`,
    access.url,
  );
  const headers = { Accept: 'application/json', ...(access.token ? { Authorization: `Bearer ${access.token}` } : {}) };
  const req = (url.protocol === 'https:' ? https : http).request(
    url,
    { headers, ...(access.caCert ? { ca: access.caCert } : {}) },
    (res) => {
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line) onEvent(JSON.parse(line));
        }
      });
    },
  );
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}
const docker = new Dockerode();
const quiet = () => {};
const base = 'hollow';
const names = Array.from({ length: HOLLOW_NODES }, (_, i) => `${base}-${i}`);
const ownLab = !process.env.USE_RUNNING_LAB;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** undefined on an error answer (the caller polls again). */
const getJson = async (path) => {
  const res = await call('GET', path);
  if (res.status !== 200) {
    console.error(`GET ${path}: ${res.status} ${res.text.slice(0, 200)}`);
    return undefined;
  }
  return JSON.parse(res.text);
};
/** How many of the benchmark's pods are left, by a one-item list (0 or 1; undefined on an error). */
const podsLeft = async () =>
  (await getJson('/api/v1/namespaces/default/pods?labelSelector=app%3Dhollow-scale&limit=1'))?.items.length;
const isReady = (o) => (o.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function until(what, timeoutMs, fn, everyMs = 200) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not reached in ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

if (ownLab)
  await labUp({
    project: E2E_ENV.KUBELAB_PROJECT,
    apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
    nodes: 2,
    env: E2E_ENV,
    mergeKubeconfig: false,
    build: false,
    log: quiet,
  });
if (typeof lab.labApiAccess === 'function')
  access = await lab.labApiAccess({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV }).catch(() => access);
let container;
try {
  const t0 = performance.now();
  container = await docker.createContainer({
    name: `${E2E_ENV.KUBELAB_PROJECT}-hollow`,
    Image: process.env.KUBELAB_IMAGE ?? `kubelab/kubelab:${process.env.KUBELAB_IMAGE_TAG || 'dev'}`, // this checkout's build
    Cmd: ['node', '/app/kubelet/dist/main.js'],
    Env: [
      `KUBELAB_CLUSTER=${E2E_ENV.KUBELAB_CLUSTER}`,
      `KUBELAB_NETWORK=${E2E_ENV.KUBELAB_NETWORK}`,
      'KUBELAB_APISERVER=apiserver:7000',
      'KUBELAB_RUNTIME=hollow',
      `KUBELAB_HOLLOW_NODES=${HOLLOW_NODES}`,
      `KUBELAB_NODE_NAME=${base}`,
      `LOG_LEVEL=${process.env.LOG_LEVEL ?? 'warn'}`,
      // As every kubelet: the cluster CA and the bootstrap token (components/kubelet of the lab's PKI).
      'KUBELAB_API_CA_FILE=/etc/kubelab/pki/ca.crt',
      'KUBELAB_API_TOKEN_FILE=/etc/kubelab/pki/bootstrap-token',
    ],
    Labels: { 'io.kubelab.cluster': E2E_ENV.KUBELAB_CLUSTER, 'io.kubelab.bench': 'hollow-scale' },
    HostConfig: {
      NetworkMode: E2E_ENV.KUBELAB_NETWORK,
      Init: true,
      Binds: [
        `${lab.labSettings({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV }).pkiDir}/components/kubelet:/etc/kubelab/pki:ro`,
        ...(process.env.HOLLOW_FROM_IMAGE ? [] : [`${repoRoot}kubelet/dist:/app/kubelet/dist:ro`]),
      ],
    },
  });
  await container.start();
  // Ready, and the node's Lease renewed by this run's kubelet: a previous run's Node objects may
  // still say Ready (their leases not yet lapsed), and the nodes would still be starting.
  const started = Date.now() - 1000;
  await until(`${HOLLOW_NODES} hollow nodes Ready`, 180_000, async () => {
    const [list, leases] = await Promise.all([
      getJson('/api/v1/nodes'),
      getJson('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'),
    ]);
    const live = new Set(
      (leases?.items ?? []).filter((l) => Date.parse(l.spec?.renewTime ?? '') >= started).map((l) => l.metadata.name),
    );
    return (
      list &&
      list.items.filter((n) => n.metadata.name.startsWith(`${base}-`) && isReady(n) && live.has(n.metadata.name))
        .length >= HOLLOW_NODES
    );
  });
  const nodesSecs = (performance.now() - t0) / 1000;
  console.log(`${HOLLOW_NODES} hollow nodes Ready in ${nodesSecs.toFixed(2)} s (one kubelet container)`);

  await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/hollow-scale'); // a previous run's
  await until('no pods of a previous run', 300_000, async () => (await podsLeft()) === 0, 500);
  // Readiness followed on a watch (as an informer would), not by listing 1,000 pods every 200 ms
  // (those lists were a large part of the apiserver's work).
  const rv =
    (await getJson('/api/v1/namespaces/default/pods?labelSelector=app%3Dhollow-scale'))?.metadata?.resourceVersion ??
    '0';
  const pods = new Map();
  let allReady;
  const readyNow = new Promise((r) => (allReady = r));
  const stopWatch = watchPods(rv, (ev) => {
    if (ev.type === 'DELETED') pods.delete(ev.object.metadata.name);
    else if (ev.object?.metadata?.name) pods.set(ev.object.metadata.name, ev.object);
    if ([...pods.values()].filter(isReady).length >= REPLICAS) allReady();
  });
  const before = await requestCounts();
  const cpuBefore = await containerCpu();
  const t1 = performance.now();
  const res = await call('POST', '/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hollow-scale' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'hollow-scale' } },
      template: {
        metadata: { labels: { app: 'hollow-scale' } },
        spec: {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: names }] },
                ],
              },
            },
          },
          containers: [{ name: 'app', image: 'kubelab/echo', ports: [{ containerPort: 80 }] }],
        },
      },
    },
  });
  if (res.status !== 201) throw new Error(`create deployment: ${res.status} ${res.text}`);
  let timer;
  await Promise.race([
    readyNow,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${REPLICAS} pods Ready: not reached in 300 s`)), 300_000);
    }),
  ]).finally(() => clearTimeout(timer)); // else the process stays 300 s after its work
  const podSecs = (performance.now() - t1) / 1000;
  const after = await requestCounts();
  const cpuAfter = await containerCpu();
  stopWatch();
  const last = [...pods.values()];
  const perNode = new Map();
  for (const p of last) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const counts = [...perNode.values()];
  console.log(
    `${REPLICAS}-replica Deployment → ${REPLICAS} pods Ready in ${podSecs.toFixed(2)} s (${(REPLICAS / podSecs).toFixed(1)} pods/s) on ${perNode.size} hollow nodes (${Math.min(...counts)}–${Math.max(...counts)} pods each)`,
  );
  // Where the time went, by the server's clock (1 s resolution): when half and all of the pods
  // were created (ReplicaSet), seen by their kubelet (PodScheduled=True, written by the kubelet
  // after the bind) and Ready, from the Deployment's creation.
  const dep = await getJson('/apis/apps/v1/namespaces/default/deployments/hollow-scale');
  const t0s = Date.parse(dep?.metadata?.creationTimestamp ?? '');
  const cond = (p, type) =>
    p.status?.conditions?.find((c) => c.type === type && c.status === 'True')?.lastTransitionTime;
  const at = (xs) => {
    const s = xs
      .filter(Boolean)
      .map((x) => (Date.parse(x) - t0s) / 1000)
      .sort((a, b) => a - b);
    return s.length ? `half ${s[Math.floor(s.length / 2)].toFixed(0)} s, all ${s[s.length - 1].toFixed(0)} s` : 'n/a';
  };
  if (!Number.isNaN(t0s))
    console.log(
      `  timeline from the Deployment's creation: created ${at(last.map((p) => p.metadata.creationTimestamp))}; on their kubelet ${at(last.map((p) => cond(p, 'PodScheduled')))}; Ready ${at(last.map((p) => cond(p, 'Ready')))}`,
    );
  if (process.env.RESTART_APISERVER) await restartAndResync();
  printCalls(before, after);
  printCpu(cpuBefore, cpuAfter, podSecs);
  // Deleted while the hollow kubelet still runs, so that it confirms each pod's deletion as a
  // kubelet does (else the pods stay Terminating until the next run's kubelet comes).
  const t2 = performance.now();
  await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/hollow-scale');
  await until('the pods deleted', 300_000, async () => (await podsLeft()) === 0, 500);
  console.log(`Deployment deleted: its ${REPLICAS} pods gone in ${((performance.now() - t2) / 1000).toFixed(2)} s`);
} finally {
  await container?.remove({ force: true }).catch(() => undefined);
  // The hollow Node objects stay behind (NotReady once their leases lapse) unless the lab goes.
  if (ownLab) await labDown({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV, log: quiet });
}

/** The apiserver restarted under HOLLOW_NODES nodes' informers: seconds until it answers, and until the lab works again. */
async function restartAndResync() {
  const project = E2E_ENV.KUBELAB_PROJECT;
  const [api] = await docker.listContainers({
    filters: { label: [`com.docker.compose.project=${project}`, 'com.docker.compose.service=apiserver'] },
  });
  if (!api) throw new Error(`no apiserver container of ${project}`);
  const t0 = performance.now();
  await docker.getContainer(api.Id).restart({ t: 1 });
  await until('the apiserver answers after its restart', 120_000, async () => {
    const res = await call('GET', '/readyz').catch(() => undefined);
    return res?.status === 200;
  });
  const upSecs = (performance.now() - t0) / 1000;
  const want = REPLICAS + Math.max(10, Math.round(REPLICAS / 10));
  const patched = await call(
    'PATCH',
    '/apis/apps/v1/namespaces/default/deployments/hollow-scale',
    { spec: { replicas: want } },
    'application/merge-patch+json',
  );
  if (patched.status !== 200) throw new Error(`scale deployment: ${patched.status} ${patched.text}`);
  let seen = 0;
  await until(`${want} pods Ready after the restart`, 300_000, async () => {
    const list = await getJson('/api/v1/namespaces/default/pods?labelSelector=app%3Dhollow-scale');
    seen = list ? list.items.filter(isReady).length : seen;
    if (seen < want) await sleep(800); // a list of every pod each second, not five
    return seen >= want;
  });
  const allSecs = (performance.now() - t0) / 1000;
  console.log(
    `apiserver restarted under ${HOLLOW_NODES} hollow nodes: answering after ${upSecs.toFixed(2)} s; scaled to ${want}, all Ready ${allSecs.toFixed(2)} s after the restart`,
  );
}

/** The apiserver's request counts from GET /metrics: "component verb resource[/subresource]" → count (undefined without /metrics). */
async function requestCounts() {
  const res = await call('GET', '/metrics').catch(() => undefined);
  if (res?.status !== 200) return undefined;
  const counts = new Map();
  for (const line of res.text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const key = `${labels.component} ${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** CPU seconds used so far by each of the lab's containers (the Engine's stats), by service name. */
async function containerCpu() {
  const list = await docker.listContainers({ filters: { label: [`io.kubelab.cluster=${E2E_ENV.KUBELAB_CLUSTER}`] } });
  const out = new Map();
  await Promise.all(
    list.map(async (c) => {
      const s = await docker.getContainer(c.Id).stats({ stream: false, 'one-shot': true });
      const name = c.Names[0]
        .replace(/^\//, '')
        .replace(`${E2E_ENV.KUBELAB_PROJECT}-`, '')
        .replace(`${E2E_ENV.KUBELAB_PROJECT}_`, '') // compose v1
        .replace(/_1$/, '');
      out.set(name, s.cpu_stats.cpu_usage.total_usage / 1e9);
    }),
  );
  return out;
}

/** Where the CPU went while the Deployment came up: each busy container's seconds and ms per pod, against the cores' wall time. */
function printCpu(before, after, secs) {
  const used = [...after]
    .map(([k, v]) => [k, v - (before.get(k) ?? v)])
    .filter(([, d]) => d >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  const total = used.reduce((sum, [, d]) => sum + d, 0);
  const cores = os.cpus().length;
  const each = used.map(([k, d]) => `${k} ${d.toFixed(1)} s (${((1000 * d) / REPLICAS).toFixed(1)} ms/pod)`);
  console.log(
    `  CPU of the lab's containers: ${total.toFixed(1)} s of ${(cores * secs).toFixed(1)} s (${cores} cores × the rollout), ${((1000 * total) / REPLICAS).toFixed(1)} ms per pod: ${each.join(', ')}`,
  );
}

/** Where the API calls went while the Deployment came up: the busiest kinds of call, per pod. */
function printCalls(before, after) {
  if (!before || !after) return;
  const delta = [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]).filter(([, d]) => d > 0);
  const total = delta.reduce((s, [, d]) => s + d, 0);
  delta.sort((a, b) => b[1] - a[1]);
  const top = delta.slice(0, 8).map(([k, d]) => `${k} ${(d / REPLICAS).toFixed(2)}`);
  console.log(`  API calls: ${total} (${(total / REPLICAS).toFixed(1)} per pod); per pod: ${top.join(', ')}`);
}
