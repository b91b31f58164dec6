#!/usr/bin/env node
// Benchmark: pod startup latency and throughput of kubelab against the raw Docker floor measured
// in the same run on the same engine. Prints figures, asserts nothing.
//  floor: through the Engine API, a pod = create+start of a pause container (kubelab/busybox,
//         `sleep`, on the lab network) + create+start of an app container (kubelab/echo,
//         NetworkMode container:<pause>); one by one (N=20, p50/p99) and 4 in flight (N=40, pods/s).
//  kubelab: pods POSTed one by one through the REST API (N=20, each waited for), create → Ready
//         condition True seen by a watch (p50/p99); a 100-replica Deployment: create → 100 Ready
//         (pods/s) and per pod (ADDED seen → Ready seen) p50/p99.
// Runs on a 2-node lab of its own (e2e slot 3 unless KUBELAB_E2E_SLOT says otherwise), brought up
// from the images already built and torn down at the end (KEEP_LAB=1 keeps it).
// Usage: npx tsc -b && node bench/pod-startup.mjs   (FLOOR_INFLIGHT=1,4,8,16: only where the floor saturates;
//        TOKEN_AB=1: the kube-api-access volume's cost, automount off vs on, and TokenRequest latency)
process.env.KUBELAB_E2E_SLOT ??= '2';
const lab = await import('@kubelab/cli/lab');
const { labUp, labDown } = lab;
const http = await import('node:http');
const https = await import('node:https');
const { E2E_ENV } = await import('../tests/dist/lib/lab.js');
const { default: Dockerode } = await import('dockerode');

const N_SERIAL = Number(process.env.N_SERIAL ?? 20);
const N_PARALLEL = Number(process.env.N_PARALLEL ?? 40);
const REPLICAS = Number(process.env.REPLICAS ?? 100);
const WARMUP = 2;
// The lab's API: HTTPS with its CA and admin token when the lab has them (labApiAccess), else plain HTTP.
let access = { url: `http://127.0.0.1:${E2E_ENV.KUBELAB_API_PORT}` };

/** Starts a request to the lab's API; resolves with the response (a stream). */
function request(method, path, body, signal) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, access.url);
    const headers = {
      Accept: 'application/json',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...(access.token ? { Authorization: `Bearer ${access.token}` } : {}),
    };
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      { method, headers, ...(access.caCert ? { ca: access.caCert } : {}), ...(signal ? { signal } : {}), agent: false },
      resolve,
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** One request: { status, text }. */
async function call(method, path, body) {
  const res = await request(method, path, body);
  let text = '';
  for await (const c of res) text += c;
  return { status: res.statusCode, text };
}
const network = E2E_ENV.KUBELAB_NETWORK;
const benchLabel = `io.kubelab.bench`;
const benchId = `pod-startup-${process.pid}`;
const docker = new Dockerode();
const quiet = () => {};

/** `promise`, or an Error(message) after ms; the timer is cleared either way (it would keep the bench from exiting). */
async function within(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(typeof message === 'function' ? message() : message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------- statistics ----------
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const fmt = (ms) => `${ms.toFixed(0)} ms`;
const summary = (xs) =>
  `p50 ${fmt(pct(xs, 50))}, p99 ${fmt(pct(xs, 99))} (min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))}, n=${xs.length})`;

// ---------- the Docker floor ----------
async function floorPod(i) {
  const t0 = performance.now();
  const labels = { [benchLabel]: benchId, 'io.kubelab.cluster': 'kubelab-bench' };
  const pause = await docker.createContainer({
    name: `${benchId}-${i}-pause`,
    Image: 'kubelab/busybox:latest',
    Cmd: ['sleep', '2147483647'],
    Labels: labels,
    HostConfig: { NetworkMode: network },
  });
  await pause.start();
  const app = await docker.createContainer({
    name: `${benchId}-${i}-app`,
    Image: 'kubelab/echo:latest',
    Labels: labels,
    HostConfig: { NetworkMode: `container:${pause.id}` },
  });
  await app.start();
  return performance.now() - t0;
}

async function floorCleanup() {
  const list = await docker.listContainers({ all: true, filters: { label: [`${benchLabel}=${benchId}`] } });
  // Apps first (they share the pause container's network namespace), 8 at a time.
  const sorted = [...list].sort(
    (a, b) => Number(a.Names[0]?.endsWith('-pause')) - Number(b.Names[0]?.endsWith('-pause')),
  );
  for (let i = 0; i < sorted.length; i += 8)
    await Promise.all(
      sorted.slice(i, i + 8).map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
}

/** The floor's rate with `inflight` pods being made at once: { rate, lat }. */
async function floorRate(inflight, n, seq) {
  const t0 = performance.now();
  let next = 0;
  const lat = [];
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < n) {
        next++;
        lat.push(await floorPod(seq.n++));
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await floorCleanup();
  return { rate: n / secs, lat };
}

async function measureFloor() {
  const seq = { n: 0 };
  for (let i = 0; i < WARMUP; i++) await floorPod(seq.n++);
  const serial = [];
  for (let i = 0; i < N_SERIAL; i++) serial.push(await floorPod(seq.n++));
  await floorCleanup();
  const par = await floorRate(4, N_PARALLEL, seq);
  return { serial, parallelRate: par.rate, parallelLat: par.lat };
}

// ---------- kubelab ----------
const isReady = (p) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Streams a watch; calls onEvent(type, obj, tSeen) per event until stop(). */
function watchPods(selector, onEvent) {
  const ac = new AbortController();
  const done = (async () => {
    const res = await request(
      'GET',
      `/api/v1/namespaces/default/pods?watch=true&labelSelector=${encodeURIComponent(selector)}`,
      undefined,
      ac.signal,
    );
    if (res.statusCode !== 200) throw new Error(`watch: ${res.statusCode}`);
    const dec = new TextDecoder();
    let buf = '';
    for await (const chunk of res) {
      const t = performance.now();
      buf += dec.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) {
          const ev = JSON.parse(line);
          onEvent(ev.type, ev.object, t);
        }
      }
    }
  })().catch((err) => {
    if (!ac.signal.aborted) console.error('watch failed:', err.message);
  });
  return { stop: () => (ac.abort(), done) };
}

async function post(path, body) {
  const res = await call('POST', path, body);
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text);
}

async function del(path) {
  const res = await call('DELETE', path);
  if (res.status >= 300 && res.status !== 404) throw new Error(`DELETE ${path}: ${res.status} ${res.text}`);
}

async function waitNoPods(selector, timeoutMs = 180_000) {
  const t0 = Date.now();
  for (;;) {
    const res = await call('GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`);
    const list = res.status === 200 ? JSON.parse(res.text) : { items: [undefined] };
    if (list.items.length === 0) return;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`${list.items.length} pods (${selector}) still there after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const podSpec = {
  containers: [
    { name: 'echo', image: 'kubelab/echo', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80 }] },
  ],
};

async function measureSerial(specFor = () => podSpec, n = N_SERIAL) {
  const selector = 'bench=pod-startup-serial';
  const waiters = new Map();
  const w = watchPods(selector, (type, obj, t) => {
    const name = obj.metadata?.name;
    if (type !== 'DELETED' && isReady(obj) && waiters.has(name)) {
      waiters.get(name)(t);
      waiters.delete(name);
    }
  });
  await new Promise((r) => setTimeout(r, 300)); // let the watch be established
  const lat = [];
  for (let i = 0; i < WARMUP + n; i++) {
    const name = `serial-${i}`;
    const ready = new Promise((r) => waiters.set(name, r));
    const t0 = performance.now();
    await post('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { bench: 'pod-startup-serial' } },
      spec: specFor(i),
    });
    const tReady = await within(ready, 60_000, `${name} not Ready in 60 s`);
    if (i >= WARMUP) lat.push(tReady - t0);
  }
  await w.stop();
  for (let i = 0; i < WARMUP + n; i++) await del(`/api/v1/namespaces/default/pods/serial-${i}`);
  await waitNoPods(selector);
  return lat;
}

async function measureBurst() {
  const selector = 'app=pod-startup-burst';
  const added = new Map();
  const readyAt = new Map();
  let allReady;
  const all = new Promise((r) => (allReady = r));
  const w = watchPods(selector, (type, obj, t) => {
    const name = obj.metadata?.name;
    if (type === 'DELETED') return;
    if (!added.has(name)) added.set(name, t);
    if (isReady(obj) && !readyAt.has(name)) {
      readyAt.set(name, t);
      if (readyAt.size >= REPLICAS) allReady(t);
    }
  });
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  await post('/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'pod-startup-burst' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'pod-startup-burst' } },
      template: { metadata: { labels: { app: 'pod-startup-burst' } }, spec: podSpec },
    },
  });
  const tAll = await within(all, 300_000, () => `only ${readyAt.size}/${REPLICAS} Ready after 300 s`);
  await w.stop();
  const perPod = [...readyAt].map(([n, t]) => t - added.get(n));
  const firstAdded = Math.min(...added.values());
  const readyTimes = [...readyAt.values()].sort((a, b) => a - b);
  await del('/apis/apps/v1/namespaces/default/deployments/pod-startup-burst?propagationPolicy=Background');
  return {
    total: (tAll - t0) / 1000,
    perPod,
    firstAddedMs: firstAdded - t0,
    firstReadyMs: readyTimes[0] - t0,
    halfReadyMs: readyTimes[Math.floor(REPLICAS / 2)] - t0,
  };
}

// ---------- run ----------
// LOG_LEVEL=debug reaches the lab's components (the kubelet's status writes are logged at debug).
const labEnv = process.env.LOG_LEVEL ? { ...E2E_ENV, LOG_LEVEL: process.env.LOG_LEVEL } : E2E_ENV;
const upOnce = () =>
  labUp({
    project: E2E_ENV.KUBELAB_PROJECT,
    apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
    nodes: 2,
    env: labEnv,
    mergeKubeconfig: false,
    build: false,
    log: quiet,
  });
// Another user's `docker system prune` makes the engine answer 409 for a while: try again.
const up = await upOnce().catch(async (err) => {
  if (!/prune operation is already running/.test(String(err?.message))) throw err;
  await new Promise((r) => setTimeout(r, 15_000));
  return upOnce();
});
if (typeof lab.labApiAccess === 'function')
  access = await lab.labApiAccess({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV }).catch(() => access);
console.log(`lab ${up.project} up in ${up.seconds.toFixed(1)} s: ${up.nodes.join(', ')}`);
try {
  if (process.env.TOKEN_AB) await tokenVolumeAB();
  else if (process.env.FLOOR_INFLIGHT) {
    // FLOOR_INFLIGHT=1,4,8,16: only the floor's rate at each number of pods in flight (where Docker saturates).
    const seq = { n: 100_000 };
    for (const k of process.env.FLOOR_INFLIGHT.split(',').map(Number))
      console.log(
        `Docker floor, ${k} in flight: ${(await floorRate(k, N_PARALLEL, seq)).rate.toFixed(2)} pods/s over ${N_PARALLEL}`,
      );
  } else await kubelabVsFloor();
} finally {
  await floorCleanup().catch(() => undefined);
  if (!process.env.KEEP_LAB) await labDown({ project: E2E_ENV.KUBELAB_PROJECT, env: E2E_ENV, log: quiet });
}

// TOKEN_AB=1: the pod-start cost of the kube-api-access volume (one by one, automount off and on
// alternating pod by pod on the same lab, so load drifts hit both alike) and the latency of a
// TokenRequest through REST.
async function tokenVolumeAB() {
  const off = [];
  const on = [];
  const lat = await measureSerial(
    (i) => (i % 2 ? podSpec : { ...podSpec, automountServiceAccountToken: false }),
    2 * N_SERIAL,
  );
  lat.forEach((ms, i) => ((i + WARMUP) % 2 ? on : off).push(ms));
  const tr = [];
  for (let i = 0; i < WARMUP + 100; i++) {
    const t0 = performance.now();
    const r = await call('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    if (r.status !== 201) throw new Error(`TokenRequest: ${r.status} ${r.text}`);
    if (i >= WARMUP) tr.push(performance.now() - t0);
  }
  console.log(`kubelab, one by one, automountServiceAccountToken: false: ${summary(off)}`);
  console.log(`kubelab, one by one, with the kube-api-access volume:     ${summary(on)}`);
  console.log(`token volume cost at p50: ${fmt(pct(on, 50) - pct(off, 50))}`);
  console.log(`TokenRequest (REST, new connection each): ${summary(tr)}`);
}

async function kubelabVsFloor() {
  const floor = await measureFloor();
  const serial = await measureSerial();
  const burst = await measureBurst();
  const f50 = pct(floor.serial, 50);
  const k50 = pct(serial, 50);
  const k99 = pct(serial, 99);
  const burstRate = REPLICAS / burst.total;
  console.log('');
  console.log(`Docker floor, one by one (pause+app create+start): ${summary(floor.serial)}`);
  console.log(
    `Docker floor, 4 in flight: ${floor.parallelRate.toFixed(1)} pods/s over ${N_PARALLEL} (per pod ${summary(floor.parallelLat)})`,
  );
  console.log(`kubelab, one by one (POST → Ready seen by watch): ${summary(serial)}`);
  console.log(
    `kubelab, ${REPLICAS}-replica Deployment: ${burst.total.toFixed(2)} s to ${REPLICAS} Ready = ${burstRate.toFixed(1)} pods/s; per pod (ADDED → Ready) ${summary(burst.perPod)}`,
  );
  console.log(
    `   first pod ADDED after ${fmt(burst.firstAddedMs)}, first Ready after ${fmt(burst.firstReadyMs)}, half Ready after ${fmt(burst.halfReadyMs)}`,
  );
  console.log('');
  console.log(
    `ratio one by one p50: ${(k50 / f50).toFixed(2)}× the floor p50 (goal ≤ 1.15×); p99 ${fmt(k99)} (goal ≤ 600 ms)`,
  );
  console.log(
    `ratio burst: ${((100 * burstRate) / floor.parallelRate).toFixed(0)}% of the 4-in-flight floor rate (goal ≥ 100%)`,
  );
}
