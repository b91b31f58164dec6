#!/usr/bin/env node
// Benchmark of the HA profile: seconds from `up --ha` to Ready nodes (images already built, and
// a plain `up` for comparison), then the takeover times, each measured by polling the API over
// HTTPS every 50 ms: an apiserver killed (until a request through the balancer answers again),
// the etcd raft leader killed (until the members agree on a new one, asked on their client ports
// on the lab's network, and the slowest write during it), the leading scheduler and controller-manager killed (until another process holds
// the Lease); etcd quorum lost and restored. Then what the balancer costs: request latency through it against straight to an
// apiserver (kept-alive and new connections), and its idle CPU and memory.
// Runs on a lab of its own (e2e slot 3 unless KUBELAB_E2E_SLOT says otherwise).
// Usage: npx tsc -b && node bench/ha.mjs [rounds=1]
process.env.KUBELAB_E2E_SLOT ??= '3';
const { labUp, labDown, labApiAccess } = await import('@kubelab/cli/lab');
const { E2E_ENV } = await import('../tests/dist/lib/lab.js');
const https = await import('node:https');
const { readFileSync } = await import('node:fs');
const { execFileSync } = await import('node:child_process');

const rounds = Number(process.argv[2] ?? 1);
const project = E2E_ENV.KUBELAB_PROJECT;
const quiet = () => {};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const containerOf = (service) =>
  docker(
    'ps',
    '-q',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ).split('\n')[0];
const ipOf = (id) => docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id);
let pki;

/** One HTTPS request: { status, text, ms }; target defaults to the balancer on the host. */
function call(method, path, { body, host, agent = false, type = 'application/json' } = {}) {
  const url = new URL(path, host ? `https://${host}:6443` : pki.url);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const headers = {
      Authorization: `Bearer ${pki.token}`,
      Accept: 'application/json',
      ...(body ? { 'Content-Type': type } : {}),
    };
    const req = https.request(
      url,
      { method, ca: pki.caCert, servername: 'apiserver', headers, agent, timeout: 10_000 },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text, ms: performance.now() - t0 }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '', ms: performance.now() - t0 }));
    req.end(body);
  });
}

async function until(check, timeoutMs = 60_000) {
  const t0 = performance.now();
  for (;;) {
    const v = await check();
    if (v) return { value: v, seconds: (performance.now() - t0) / 1000 };
    if (performance.now() - t0 > timeoutMs) throw new Error('timed out');
    await sleep(50);
  }
}

const holder = async (lease) =>
  JSON.parse((await call('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`)).text || '{}')
    .spec?.holderIdentity ?? '';

async function etcdLeader() {
  const status = await Promise.all(
    ['etcd', 'etcd-2', 'etcd-3'].map(async (s) => {
      const id = containerOf(s);
      if (!id) return undefined;
      try {
        const res = await fetch(`http://${ipOf(id)}:2379/v3/maintenance/status`, {
          method: 'POST',
          body: '{}',
          signal: AbortSignal.timeout(2_000),
        });
        const j = await res.json();
        return { s, member: j.header.member_id, leader: j.leader };
      } catch {
        return undefined;
      }
    }),
  );
  const up = status.filter(Boolean);
  const leaders = new Set(up.map((x) => x.leader));
  return leaders.size === 1 ? up.find((x) => x.member === [...leaders][0])?.s : undefined;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50: q(0.5), p99: q(0.99), min: s[0], max: s[s.length - 1], n: s.length };
};
const fmt = (xs, unit = 's', d = 1) => {
  const t = stats(xs);
  return `median ${t.p50.toFixed(d)} ${unit} (min ${t.min.toFixed(d)}, max ${t.max.toFixed(d)}, n=${t.n})`;
};

async function up(ha) {
  const t0 = performance.now();
  await labUp({
    project,
    apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
    nodes: 2,
    ha,
    env: E2E_ENV,
    mergeKubeconfig: false,
    build: false,
    log: quiet,
  });
  const s = (performance.now() - t0) / 1000;
  pki = await labApiAccess({ project, env: E2E_ENV });
  return s;
}

const results = {
  plain: [],
  ha: [],
  apiserver: [],
  etcd: [],
  etcdWrite: [],
  etcdFailed: 0,
  scheduler: [],
  cm: [],
  refusedMs: [],
  quorumBack: [],
  apiBack: [],
};
for (let r = 0; r < rounds; r++) {
  results.plain.push(await up(false));
  await labDown({ project, env: E2E_ENV, log: quiet });
  results.ha.push(await up(true));
  await until(async () => (await holder('kube-scheduler')) && (await holder('kube-controller-manager')));
  await until(() => etcdLeader());

  // An apiserver killed: until a request through the balancer answers.
  let id = containerOf('apiserver');
  docker('kill', id);
  results.apiserver.push(
    (await until(async () => (await call('GET', '/api/v1/namespaces/default')).status === 200)).seconds,
  );
  docker('start', id);

  // The etcd leader killed: until a new leader; the slowest write meanwhile.
  const leader = await etcdLeader();
  let writing = true;
  let slowest = 0;
  let failed = 0;
  const writes = (async () => {
    for (let i = 0; writing; i++) {
      const res = await call('PATCH', '/api/v1/namespaces/default', {
        body: JSON.stringify({ metadata: { annotations: { 'bench/i': String(i) } } }),
        type: 'application/merge-patch+json',
      });
      slowest = Math.max(slowest, res.ms);
      if (res.status !== 200) failed++;
    }
  })();
  await sleep(500);
  id = containerOf(leader);
  docker('kill', id);
  results.etcd.push(
    (
      await until(async () => {
        const l = await etcdLeader();
        return l && l !== leader;
      })
    ).seconds,
  );
  await sleep(2_000);
  writing = false;
  await writes;
  results.etcdWrite.push(slowest);
  results.etcdFailed += failed;
  docker('start', id);
  await until(() => etcdLeader());

  // The leading scheduler and controller-manager killed: until another process holds the Lease.
  for (const [lease, key] of [
    ['kube-scheduler', 'scheduler'],
    ['kube-controller-manager', 'cm'],
  ]) {
    const old = await holder(lease);
    id = containerOf(old.slice(0, old.lastIndexOf('_')));
    docker('kill', id);
    results[key].push(
      (
        await until(async () => {
          const h = await holder(lease);
          return h && h !== old;
        })
      ).seconds,
    );
    docker('start', id);
  }
  // etcd quorum lost (2 of 3 members stopped): how soon a request gets its 503; then the members
  // started again: until etcd has a leader, and until the API answers.
  const stopped = ['etcd-2', 'etcd-3'].map(containerOf);
  docker('stop', '-t', '2', ...stopped);
  const refused = await call('GET', '/api/v1/namespaces/default/configmaps');
  if (refused.status !== 503) throw new Error(`expected 503 without quorum, got ${refused.status} ${refused.text}`);
  results.refusedMs.push(refused.ms);
  const t0 = performance.now();
  docker('start', ...stopped);
  await until(() => etcdLeader(), 120_000);
  results.quorumBack.push((performance.now() - t0) / 1000);
  await until(async () => (await call('GET', '/api/v1/namespaces/default/configmaps')).status === 200, 120_000);
  results.apiBack.push((performance.now() - t0) / 1000);
  if (r === rounds - 1) await balancerCost();
  await labDown({ project, env: E2E_ENV, log: quiet });
}

/** Latency through the balancer against straight to one apiserver, and the balancer's idle footprint. */
async function balancerCost() {
  const direct = ipOf(containerOf('apiserver'));
  const lat = async (host, agent) => {
    const xs = [];
    for (let i = 0; i < 200; i++) xs.push((await call('GET', '/api/v1/namespaces/default', { host, agent })).ms);
    return xs;
  };
  for (const [what, agent] of [
    ['kept-alive connection', new https.Agent({ keepAlive: true, maxSockets: 1 })],
    ['new connection each', false],
  ]) {
    const viaLb = await lat(undefined, agent);
    const straight = await lat(direct, agent);
    console.log(
      `GET /api/v1/namespaces/default, ${what}: through apiserver-lb p50 ${stats(viaLb).p50.toFixed(2)} ms p99 ${stats(viaLb).p99.toFixed(2)} ms; straight to an apiserver p50 ${stats(straight).p50.toFixed(2)} ms p99 ${stats(straight).p99.toFixed(2)} ms`,
    );
  }
  const lb = docker(
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--filter',
    'label=com.docker.compose.service=apiserver-lb',
  );
  try {
    const cpu = () => Number(readFileSync(`/sys/fs/cgroup/cpuacct/docker/${lb}/cpuacct.usage`, 'utf8'));
    const c0 = cpu();
    await sleep(30_000);
    const pct = ((cpu() - c0) / 30e9) * 100;
    const mem = Number(readFileSync(`/sys/fs/cgroup/memory/docker/${lb}/memory.usage_in_bytes`, 'utf8')) / 2 ** 20;
    console.log(
      `apiserver-lb idle (2 apiservers checked every second): ${pct.toFixed(2)} % of one core over 30 s, ${mem.toFixed(0)} MiB memory`,
    );
  } catch {
    console.log('apiserver-lb idle CPU and memory: no cgroup v1 here; skipped');
  }
}

console.log(`up → 2 nodes Ready (images built): plain ${fmt(results.plain)}; --ha ${fmt(results.ha)}`);
console.log(`takeover, apiserver killed → the API answers through the balancer: ${fmt(results.apiserver, 's', 2)}`);
console.log(
  `takeover, etcd raft leader killed → a new leader: ${fmt(results.etcd, 's', 2)}; slowest write meanwhile ${fmt(
    results.etcdWrite.map((x) => x / 1000),
    's',
    2,
  )} (${results.etcdFailed} writes failed)`,
);
console.log(`takeover, leading scheduler killed → the standby holds kube-scheduler: ${fmt(results.scheduler)}`);
console.log(
  `etcd quorum lost (2 of 3 members stopped) → 503 with Retry-After after ${fmt(results.refusedMs, 'ms', 0)}; members started again → etcd has a leader after ${fmt(results.quorumBack)}, the API answers after ${fmt(results.apiBack)}`,
);
console.log(
  `takeover, leading controller-manager killed → the standby holds kube-controller-manager: ${fmt(results.cm)} (lease duration 8 s, retry 1 s)`,
);
