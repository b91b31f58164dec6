#!/usr/bin/env node
// Benchmark of Service networking, printed side by side in one run:
//  - pod → ClusterIP → pod against pod → pod direct (client and server are kubelab/echo pods):
//    bulk throughput, keep-alive request rate, latency p50/p99 (and what the proxy adds),
//    new connections/s;
//  - endpoint ready → routed: an EndpointSlice endpoint flipped to ready through the API, until
//    kube-proxy sends the host's next request (through a node port) to it; p50/p99;
//  - with SERVICES [2000] Services: the time until kube-proxy listens on all of them, its CPU
//    meanwhile and idle after, the ready → routed latency again, and a restart's full sync;
//  - DNS: measured by bench/dns.mjs (cluster DNS), not here.
// Runs on a lab of its own (e2e slot 3 unless KUBELAB_E2E_SLOT says otherwise); KEEP=1 leaves it.
// Usage: npx tsc -b && node bench/networking.mjs
process.env.KUBELAB_E2E_SLOT ??= '3';
const { labUp, labDown, labApiAccess } = await import('@kubelab/cli/lab');
const { E2E_ENV } = await import('../tests/dist/lib/lab.js');
const { readFileSync } = await import('node:fs');
const { makeApi, run, waitFor, pct, cpuNs } = await import('./networking/api.mjs');
const { whoAnswers } = await import('./networking/probe.mjs');

const SERVICES = Number(process.env.SERVICES ?? 2000);
const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 5);
const FLIPS = Number(process.env.FLIPS ?? 40);
const project = E2E_ENV.KUBELAB_PROJECT;
const tag = process.env.KUBELAB_IMAGE_TAG;
const image = tag && tag !== 'dev' ? `kubelab/echo:${tag}` : 'kubelab/echo';
const clientJs = readFileSync(new URL('./networking/pod-client.cjs', import.meta.url), 'utf8');

const up = await labUp({
  project,
  apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
  nodes: 2,
  env: E2E_ENV,
  mergeKubeconfig: false,
  build: false,
  log: () => {},
});
const kubeconfig = up.kubeconfig;
const api = makeApi(up.apiUrl, await labApiAccess({ project, env: E2E_ENV }));
const k = (args, input) => run('kubectl', ['--kubeconfig', kubeconfig, ...args], { input });
const apply = async (obj) => {
  for (let attempt = 1; ; attempt++) {
    const r = await api('POST', obj.path, obj.body);
    if (r.status < 300 || r.status === 409) return;
    // A loaded machine: etcd deadlines and throttling are retried, anything else is a failure.
    if ((r.status >= 500 || r.status === 429) && attempt < 8)
      await new Promise((res) => setTimeout(res, 500 * attempt));
    else throw new Error(`POST ${obj.path}: ${r.status} ${r.text.slice(0, 200)}`);
  }
};
const deployment = (name, replicas) => ({
  path: '/apis/apps/v1/namespaces/default/deployments',
  body: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'echo', image, env: [{ name: 'LOG_REQUESTS', value: '0' }], ports: [{ containerPort: 80 }] },
          ],
        },
      },
    },
  },
});
const service = (name, spec) => ({
  path: '/api/v1/namespaces/default/services',
  body: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { ports: [{ port: 80, targetPort: 80 }], ...spec },
  },
});
const pods = async (app) =>
  (await api('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`))
    .json()
    .items.filter((p) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
const containerOf = async (svc) =>
  (
    await run('docker', [
      'ps',
      '-q',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--filter',
      `label=com.docker.compose.service=${svc}`,
    ])
  )
    .trim()
    .split('\n')[0];
const rows = [];
const row = (what, direct, proxied, note = '') => {
  rows.push([what, direct, proxied, note]);
  console.log(`  … ${what}: direct ${direct}, through the ClusterIP ${proxied} ${note}`);
};

// --- pod → pod against pod → ClusterIP → pod ---------------------------------------------------
for (const d of [deployment('srv', 1), deployment('client', 1), deployment('flip', 2)]) await apply(d);
await apply(service('srv', { selector: { app: 'srv' } }));
const [srv] = await waitFor(
  'the server pod',
  async () => ((await pods('srv')).length === 1 ? pods('srv') : undefined),
  120_000,
);
const [client] = await waitFor(
  'the client pod',
  async () => ((await pods('client')).length === 1 ? pods('client') : undefined),
  120_000,
);
const clusterIP = (await api('GET', '/api/v1/namespaces/default/services/srv')).json().spec.clusterIP;
await waitFor('the ClusterIP routed', async () => ((await whoAnswers(clusterIP, 80)) ? true : undefined), 30_000);
const inPod = async (...args) =>
  JSON.parse(await k(['exec', client.metadata.name, '--', 'node', '-e', clientJs, ...args.map(String)]));
const both = async (...args) => {
  const out = { direct: [], proxied: [] };
  for (let i = 0; i < 2; i++) {
    out.direct.push(await inPod(args[0], srv.status.podIP, 80, ...args.slice(1)));
    out.proxied.push(await inPod(args[0], clusterIP, 80, ...args.slice(1)));
  }
  const best = (xs, key, low = false) => xs.map((x) => x[key]).sort((a, b) => (low ? a - b : b - a))[0];
  return { d: out.direct, p: out.proxied, best };
};
const ratio = (p, d) => `${Math.round((100 * p) / d)} %`;
{
  const { d, p, best } = await both('bulk', 1 << 30);
  const [bd, bp] = [best(d, 'bytesPerSec'), best(p, 'bytesPerSec')];
  row(
    'bulk throughput (1 GiB, one connection)',
    `${((bd * 8) / 1e9).toFixed(2)} Gbit/s`,
    `${((bp * 8) / 1e9).toFixed(2)} Gbit/s`,
    `${ratio(bp, bd)} of direct (goal ≥ 60 %)`,
  );
}
{
  const { d, p, best } = await both('rr', SECONDS);
  const [rd, rp] = [best(d, 'ratePerSec'), best(p, 'ratePerSec')];
  row(
    'keep-alive requests/s (4 connections)',
    rd.toFixed(0),
    rp.toFixed(0),
    `${ratio(rp, rd)} of direct (goal ≥ 60 %)`,
  );
  const [ld, lp] = [best(d, 'p50', true), best(p, 'p50', true)];
  row(
    'request latency p50 (one connection)',
    `${ld.toFixed(0)} µs`,
    `${lp.toFixed(0)} µs`,
    `adds ${(lp - ld).toFixed(0)} µs (goal ≤ 100 µs)`,
  );
  row('request latency p99', `${best(d, 'p99', true).toFixed(0)} µs`, `${best(p, 'p99', true).toFixed(0)} µs`);
}
{
  const { d, p, best } = await both('conn', SECONDS);
  const [cd, cp] = [best(d, 'connPerSec'), best(p, 'connPerSec')];
  row('new connections/s (4 in parallel)', cd.toFixed(0), cp.toFixed(0), ratio(cp, cd));
}

// --- endpoint ready → routed --------------------------------------------------------------------
const flipPods = await waitFor(
  'two flip pods',
  async () => {
    const ps = await pods('flip');
    return ps.length === 2 ? ps : undefined;
  },
  120_000,
);
await apply(service('flip', { type: 'NodePort' }));
const nodePort = (await api('GET', '/api/v1/namespaces/default/services/flip')).json().spec.ports[0].nodePort;
const slicePath = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
const sliceBody = (bReady) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'flip-manual', labels: { 'kubernetes.io/service-name': 'flip' } },
  addressType: 'IPv4',
  ports: [{ name: '', port: 80, protocol: 'TCP' }],
  endpoints: flipPods.map((p, i) => ({
    addresses: [p.status.podIP],
    conditions: { ready: i === 0 || bReady, serving: i === 0 || bReady, terminating: false },
  })),
});
await apply({ path: slicePath, body: sliceBody(false) });
const b = flipPods[1].metadata.name;
async function flipOnce() {
  const cur = (await api('GET', `${slicePath}/flip-manual`)).json();
  await api('PUT', `${slicePath}/flip-manual`, {
    ...sliceBody(false),
    metadata: { ...sliceBody(false).metadata, resourceVersion: cur.metadata.resourceVersion },
  });
  await waitFor(
    'B unrouted',
    async () => {
      for (let i = 0; i < 6; i++) if ((await whoAnswers('127.0.0.1', nodePort)) === b) return undefined;
      return true;
    },
    10_000,
    0,
  );
  const again = (await api('GET', `${slicePath}/flip-manual`)).json();
  const t0 = performance.now();
  await api('PUT', `${slicePath}/flip-manual`, {
    ...sliceBody(true),
    metadata: { ...sliceBody(true).metadata, resourceVersion: again.metadata.resourceVersion },
  });
  await waitFor(
    'B routed',
    async () => ((await whoAnswers('127.0.0.1', nodePort)) === b ? true : undefined),
    10_000,
    0,
  );
  return performance.now() - t0;
}
async function readyToRouted(n) {
  const xs = [];
  for (let i = 0; i < n; i++) xs.push(await flipOnce());
  return `p50 ${pct(xs, 0.5).toFixed(0)} ms, p99 ${pct(xs, 0.99).toFixed(0)} ms (n=${n})`;
}
await waitFor('the flip node port', async () => ((await whoAnswers('127.0.0.1', nodePort)) ? true : undefined), 30_000);
const readyFew = await readyToRouted(FLIPS);
console.log(`  … endpoint ready → routed, a few Services: ${readyFew}`);

// --- many Services ------------------------------------------------------------------------------
const proxyId = await containerOf('kube-proxy');
const many = [];
if (SERVICES > 0) {
  const cpu0 = await cpuNs(proxyId);
  const t0 = performance.now();
  const names = Array.from({ length: SERVICES }, (_, i) => `bulk-${i}`);
  // Each selects the server pod, so that each has an EndpointSlice and rules (as real Services do).
  for (let i = 0; i < names.length; i += 8)
    await Promise.all(names.slice(i, i + 8).map((n) => apply(service(n, { selector: { app: 'srv' } }))));
  const created = performance.now();
  const ipOf = async (n) => (await api('GET', `/api/v1/namespaces/default/services/${n}`)).json().spec.clusterIP;
  const [firstIP, lastIP] = [await ipOf(names[0]), await ipOf(names.at(-1))];
  await waitFor(
    'the last Service routed',
    async () => ((await whoAnswers(lastIP, 80)) ? true : undefined),
    900_000,
    50,
  );
  const programmed = performance.now();
  const cpu1 = await cpuNs(proxyId);
  await new Promise((r) => setTimeout(r, 10_000));
  const cpu2 = await cpuNs(proxyId);
  many.push(`  with ${SERVICES} more Services: ${await readyToRouted(Math.min(FLIPS, 20))}   (goal p99 ≤ 100 ms)`);
  await run('docker', ['restart', '-t', '5', proxyId]);
  const restarted = performance.now();
  await waitFor(
    'all Services routed after a restart',
    async () => ((await whoAnswers(lastIP, 80)) && (await whoAnswers(firstIP, 80)) ? true : undefined),
    600_000,
    50,
  );
  const resynced = performance.now();
  many.push(
    '',
    `${SERVICES} Services (each with an EndpointSlice): created in ${((created - t0) / 1000).toFixed(1)} s; the last one routed ${((programmed - t0) / 1000).toFixed(1)} s after the first create (${((programmed - created) / 1000).toFixed(1)} s after the last)`,
  );
  if (cpu0 !== undefined && cpu1 !== undefined && cpu2 !== undefined)
    many.push(
      `  kube-proxy CPU: ${((cpu1 - cpu0) / 1e9).toFixed(1)} s while they were created and programmed; idle after: ${((100 * (cpu2 - cpu1)) / 10e9).toFixed(1)} % of a core`,
    );
  many.push(
    `  kube-proxy restart: every Service routed again ${((resynced - restarted) / 1000).toFixed(1)} s after docker restart returned`,
  );
}

const mode = /"mode":"(\w+)"/.exec(await run('docker', ['logs', proxyId]).catch(() => ''))?.[1] ?? '?';
const load = (await import('node:os')).loadavg()[0].toFixed(1);
console.log(
  `\nService networking (kube-proxy mode ${mode}; lab ${project}; machine load ${load}; ${new Date().toISOString()})\n`,
);
const table = [['', 'pod → pod direct', 'pod → ClusterIP → pod', ''], ...rows];
const w = table[0].map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
for (const r of table)
  console.log(
    r
      .map((c, i) => String(c).padEnd(w[i] + 2))
      .join('')
      .trimEnd(),
  );
console.log(`\nendpoint ready → routed (API write to the first request that reaches it, through a node port):`);
console.log(`  with a few Services: ${readyFew}`);
for (const l of many) console.log(l);
console.log(`\nDNS lookup p50/p99 from a pod and queries/s: see bench/dns.mjs`);
if (process.env.KEEP !== '1') await labDown({ project, env: E2E_ENV, log: () => {} });
