// What bench/lab-lifecycle.mjs measures inside a running lab: its containers' steps from Docker
// and their logs, memory and CPU per component (cgroup v1 and /proc), and REST API figures.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';

const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function containers(project) {
  const out = docker(
    'ps',
    '-a',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    '{{.ID}} {{.Names}}',
  );
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ id: l.split(' ')[0], name: l.split(' ')[1].replace(`${project}_`, '') }));
}

const MARKS = /"msg":"(apiserver ready|container runtime is up|got the node's client certificate|node registered)"/;

/** [ms, text] for each container's creation and start, and the log lines that mark readiness. */
export async function containerSteps(project) {
  const out = [];
  for (const c of containers(project)) {
    const [created, started] = docker('inspect', '-f', '{{.Created}} {{.State.StartedAt}}', c.id).trim().split(' ');
    out.push([Date.parse(created), `${c.name}: created`], [Date.parse(started), `${c.name}: started`]);
    const logs = spawnSync('docker', ['logs', '-t', c.id], { encoding: 'utf8', maxBuffer: 64 << 20 });
    for (const line of `${logs.stdout}\n${logs.stderr}`.split('\n')) {
      const m = MARKS.exec(line);
      if (m) out.push([Date.parse(line.slice(0, line.indexOf(' '))), `${c.name}: ${m[1]}`]);
    }
  }
  return out;
}

const cg = (ctl, id, file) => readFileSync(`/sys/fs/cgroup/${ctl}/docker/${id}/${file}`, 'utf8');
const statOf = (text, key) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

const kB = (text, key) => statOf(text.replace(/:\s+/g, ' ').replace(/ kB/g, ''), key) * 1024;

/**
 * One container's memory in bytes: RSS of its processes (VmRSS), the anonymous part of it (RssAnon),
 * private memory (smaps_rollup Private_Clean + Private_Dirty: pages no other process maps, i.e.
 * without the shared node binary and libraries), and the cgroup's usage − inactive file (docker
 * stats); `pids`, its processes (host pid namespace).
 */
function memoryOf(id) {
  let rss = 0;
  let anon = 0;
  let priv = 0;
  const pids = cg('pids', id, 'cgroup.procs').trim().split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    rss += kB(status, 'VmRSS');
    anon += kB(status, 'RssAnon');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    priv += kB(rollup, 'Private_Clean') + kB(rollup, 'Private_Dirty');
  }
  const cgroup =
    Number(cg('memory', id, 'memory.usage_in_bytes')) - statOf(cg('memory', id, 'memory.stat'), 'total_inactive_file');
  return { rss, anon, private: priv, cgroup, pids };
}

const running = (project) =>
  containers(project).filter((c) => docker('inspect', '-f', '{{.State.Running}}', c.id).trim() === 'true');

/** Memory of each running container of the lab now (cgroup v1 and /proc; throws without them). */
export function memoryUsage(project) {
  return running(project).map((c) => ({ name: c.name, id: c.id, ...memoryOf(c.id) }));
}

/** After `seconds` idle: memory per running container, and its CPU over those seconds (undefined without cgroup v1). */
export async function idleUsage(project, seconds) {
  const up = running(project);
  try {
    const before = up.map((c) => Number(cg('cpuacct', c.id, 'cpuacct.usage')));
    await sleep(seconds * 1000);
    return up.map((c, i) => ({
      name: c.name,
      ...memoryOf(c.id),
      cpu: (Number(cg('cpuacct', c.id, 'cpuacct.usage')) - before[i]) / (seconds * 1e9),
    }));
  } catch (err) {
    console.log(`idle usage: no cgroup v1 memory/cpuacct/pids here (${err.message}); skipped`);
    return undefined;
  }
}

export function printUsage(usage, seconds) {
  if (!usage) return;
  const mib = (b) => (b / 1048576).toFixed(1).padStart(6);
  console.log(
    `idle lab after ${seconds} s (MiB: RSS of its processes, anonymous part of it, cgroup usage − inactive file as docker stats; CPU % of one core over ${seconds} s):`,
  );
  for (const u of usage)
    console.log(
      `  ${u.name.padEnd(22)} ${mib(u.rss)} ${mib(u.anon)} ${mib(u.cgroup)}  ${(100 * u.cpu).toFixed(2).padStart(5)} %`,
    );
  const sum = (list, k) => list.reduce((a, u) => a + u[k], 0);
  const cp = usage.filter((u) => !/^etcd/.test(u.name));
  console.log(
    `  ${'total without etcd'.padEnd(22)} ${mib(sum(cp, 'rss'))} ${mib(sum(cp, 'anon'))} ${mib(sum(cp, 'cgroup'))}  ${(100 * sum(cp, 'cpu')).toFixed(2).padStart(5)} %`,
  );
  console.log(
    `  ${'total'.padEnd(22)} ${mib(sum(usage, 'rss'))} ${mib(sum(usage, 'anon'))} ${mib(sum(usage, 'cgroup'))}  ${(100 * sum(usage, 'cpu')).toFixed(2).padStart(5)} %`,
  );
  console.log(
    "  (RSS counts the node binary's pages in every process although they are shared: the anonymous part and docker stats's figure do not)",
  );
}

function call(api, method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = {
      Authorization: `Bearer ${api.token}`,
      Accept: 'application/json',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    };
    const req = https.request(new URL(path, api.url), { method, ca: api.caCert, headers, agent: keepAlive }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}
const keepAlive = new https.Agent({ keepAlive: true, maxSockets: 1 });

async function latencies(n, f) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return `p50 ${ms[Math.floor(n / 2)].toFixed(1)} ms, p99 ${ms[Math.floor(n * 0.99)].toFixed(1)} ms (n=${n})`;
}

const must = (want) => (r) => {
  if (r.status !== want) throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
  return r;
};

/** REST API latencies and a 3-replica Deployment's pods to Ready, on the lab at `api`. */
export async function apiFigures(api) {
  const cm = (name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } });
  await call(api, 'POST', '/api/v1/namespaces/default/configmaps', cm('bench-get')).then(must(201));
  console.log(
    `GET configmap:    ${await latencies(200, () => call(api, 'GET', '/api/v1/namespaces/default/configmaps/bench-get').then(must(200)))}`,
  );
  console.log(
    `create configmap: ${await latencies(50, (i) => call(api, 'POST', '/api/v1/namespaces/default/configmaps', cm(`bench-${i}`)).then(must(201)))}`,
  );
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'bench' } },
      template: {
        metadata: { labels: { app: 'bench' } },
        spec: { containers: [{ name: 'echo', image: 'kubelab/echo', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
  const t = performance.now();
  await call(api, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep).then(must(201));
  for (;;) {
    const pods = JSON.parse(
      (await call(api, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dbench').then(must(200))).text,
    ).items;
    if (
      pods.filter((p) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length >=
      3
    )
      break;
    if (performance.now() - t > 120_000) throw new Error('3 pods not Ready within 120 s');
    await sleep(50);
  }
  console.log(`3-replica Deployment → 3 pods Ready: ${((performance.now() - t) / 1000).toFixed(2)} s`);
  keepAlive.destroy();
}
