#!/usr/bin/env node
// Benchmark: seconds from `up` to all nodes Ready (images already built), and from applying a
// 3-replica Deployment to 3 pods Running+Ready (seen through the REST API, polled every 50 ms);
// then the CPU the idle lab (with those pods) uses, per component, over IDLE_SECONDS [30] (read
// from the cgroup v1 cpuacct of each container and of the whole machine; skipped elsewhere).
// Runs on a lab of its own (e2e slot 2 unless KUBELAB_E2E_SLOT says otherwise).
// Usage: npx tsc -b && node bench/lab-startup.mjs [rounds=2]
process.env.KUBELAB_E2E_SLOT ??= '2';
const { labUp, labDown, labApiAccess } = await import('@kubelab/cli/lab');
const { E2E_ENV } = await import('../tests/dist/lib/lab.js');
const https = await import('node:https');
const { readFileSync } = await import('node:fs');
const { execFileSync } = await import('node:child_process');
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 30);

const rounds = Number(process.argv[2] ?? 2);
const api = `https://127.0.0.1:${E2E_ENV.KUBELAB_API_PORT}`;
let pki; // the lab's CA and admin token, read after each `up`

// One request to the lab's API over HTTPS with its CA and token: { status, text }.
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = {
      Authorization: `Bearer ${pki.token}`,
      Accept: 'application/json',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    };
    const req = https.request(new URL(path, api), { method, ca: pki.caCert, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const quiet = () => {};

const deployment = (name) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'echo', image: 'kubelab/echo', ports: [{ containerPort: 80 }] }] },
    },
  },
});

async function readyPods(app) {
  const list = JSON.parse((await call('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).text);
  return list.items.filter(
    (p) =>
      p.status?.phase === 'Running' &&
      (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(2)}s (min ${s[0].toFixed(2)}, max ${s[s.length - 1].toFixed(2)}, n=${s.length})`;
}

/** CPU-nanoseconds used so far by a cgroup v1 cpuacct directory, or undefined if unreadable. */
function cpuNs(dir) {
  try {
    return Number(readFileSync(`/sys/fs/cgroup/cpuacct/${dir}/cpuacct.usage`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The idle lab's CPU over IDLE_SECONDS, per component container and for the whole machine. */
async function idleCpu() {
  const out = execFileSync(
    'docker',
    [
      'ps',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${E2E_ENV.KUBELAB_PROJECT}`,
      '--format',
      '{{.ID}} {{.Label "com.docker.compose.service"}}',
    ],
    { encoding: 'utf8' },
  );
  const comps = out
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([id, svc]) => ({ svc, dir: `docker/${id}` }));
  const all = [...comps, { svc: 'whole machine', dir: '.' }];
  const before = all.map((c) => cpuNs(c.dir));
  if (before.some((v) => v === undefined)) return console.log('idle CPU: no cgroup v1 cpuacct here; skipped');
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const per = new Map();
  all.forEach((c, i) => per.set(c.svc, (per.get(c.svc) ?? 0) + (cpuNs(c.dir) - before[i]) / (IDLE_SECONDS * 1e9)));
  console.log(
    `idle lab with 9 pods, ${IDLE_SECONDS} s, % of one core (kubelets together): ${[...per].map(([k, v]) => `${k} ${(100 * v).toFixed(1)}`).join(', ')}`,
  );
}

const upTimes = [];
const applyTimes = [];
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  await labUp({
    project: E2E_ENV.KUBELAB_PROJECT,
    apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
    nodes: 2,
    env: E2E_ENV,
    mergeKubeconfig: false,
    build: false,
    log: quiet,
  });
  upTimes.push((performance.now() - t0) / 1000);
  pki = await labApiAccess({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV });
  for (let i = 0; i < 3; i++) {
    const name = `bench-${r}-${i}`;
    const t1 = performance.now();
    const res = await call('POST', '/apis/apps/v1/namespaces/default/deployments', JSON.stringify(deployment(name)));
    if (res.status !== 201) throw new Error(`create: ${res.status} ${res.text}`);
    while ((await readyPods(name)) < 3) {
      if (performance.now() - t1 > 120_000) throw new Error('3 pods not ready within 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    applyTimes.push((performance.now() - t1) / 1000);
  }
  if (r === rounds - 1) await idleCpu();
  await labDown({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV, log: quiet });
}
console.log(`up → 2 nodes Ready (images built): ${stats(upTimes)}`);
console.log(`apply 3-replica Deployment → 3 pods Running+Ready: ${stats(applyTimes)}`);
