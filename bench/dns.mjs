#!/usr/bin/env node
// Benchmark: cluster DNS. Prints figures, asserts nothing.
//  1. loopback: the cluster-dns server (its DnsServer and Zone, in a process of its own, with
//     SERVICES Services and a 3-endpoint slice each) answering A queries for those names (and 1 in
//     8 NXDOMAIN) from a client keeping WINDOW queries in flight over 4 sockets, for SECONDS s:
//     queries answered per second (goal ≥ 20,000/s), with its reply cache (as it serves) and
//     without (every query decoded, resolved and encoded).
//  2. from a pod (skipped with LOOPBACK_ONLY=1): on a 2-node lab of its own (e2e slot 5 unless
//     KUBELAB_E2E_SLOT says otherwise; brought up from the images already built, torn down at the
//     end, KEEP_LAB=1 keeps it), a pod of the kubelab image runs N lookups one after another of
//     `web.default.svc.cluster.local` against the nameserver of its /etc/resolv.conf (the kube-dns
//     ClusterIP, forwarded by kube-proxy to the cluster-dns container), each query from a fresh
//     socket as resolvers do: p50/p99 (goal p99 ≤ 5 ms); the same asked of the cluster-dns
//     container's own address (no kube-proxy hop) for the cost of that hop; and getaddrinfo
//     (`dns.lookup('web')`, the search path) p50/p99.
// Usage: npx tsc -b && node bench/dns.mjs
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';

const SERVICES = Number(process.env.SERVICES ?? 1000);
const WINDOW = Number(process.env.WINDOW ?? 128);
const SECONDS = Number(process.env.SECONDS ?? 5);
const N = Number(process.env.N ?? 2000);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const ms = (v) => `${v.toFixed(3)} ms`;
const summary = (xs) => `p50 ${ms(pct(xs, 50))}, p99 ${ms(pct(xs, 99))} (max ${ms(Math.max(...xs))}, n=${xs.length})`;

// ---------- 1. the server on loopback ----------
async function serve() {
  const { DnsServer, Forwarder, QueryHandler, Zone, parseCidr } = await import('@kubelab/cluster-dns');
  const { default: pino } = await import('pino');
  const zone = new Zone();
  for (let i = 0; i < SERVICES; i++) {
    const ip = (k) => `10.244.${Math.floor(k / 250)}.${(k % 250) + 1}`;
    zone.upsertService({
      metadata: { namespace: 'default', name: `svc-${i}` },
      spec: {
        clusterIP: `10.244.${128 + Math.floor(i / 250)}.${(i % 250) + 1}`,
        ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
      },
    });
    zone.upsertSlice({
      metadata: { namespace: 'default', name: `svc-${i}-x`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
      addressType: 'IPv4',
      endpoints: [0, 1, 2].map((j) => ({ addresses: [ip((i * 3 + j) % 30000)], conditions: { ready: true } })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
  const handler = new QueryHandler({
    zone,
    options: { ttl: 5, reverseCidrs: [parseCidr('10.244.0.0/16')], dnsService: 'kube-system/kube-dns' },
    forwarder: new Forwarder(),
    upstreams: () => [],
    replyCache: process.env.REPLY_CACHE !== '0',
  });
  const server = new DnsServer({ host: '127.0.0.1', port: 0, handler, log: pino({ level: 'silent' }) });
  const { udpPort } = await server.start();
  process.stdout.write(`${udpPort}\n`);
}

async function loopback(replyCache) {
  const dnsPacket = (await import('dns-packet')).default;
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SERVICES: String(SERVICES), REPLY_CACHE: replyCache ? '1' : '0' },
  });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const queries = Array.from({ length: 256 }, (_, i) =>
    dnsPacket.encode({
      id: i,
      type: 'query',
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [
        {
          name:
            i % 8 === 7
              ? `nosuch-${i}.default.svc.cluster.local`
              : `svc-${(i * 37) % SERVICES}.default.svc.cluster.local`,
          type: 'A',
        },
      ],
    }),
  );
  let answered = 0;
  let counting = false;
  let next = 0;
  const sockets = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const s = dgram.createSocket('udp4');
      await new Promise((r) => s.bind(0, '127.0.0.1', r));
      const send = () => s.send(queries[next++ & 255], port, '127.0.0.1');
      s.on('message', () => {
        if (counting) answered++;
        send();
      });
      return { s, send };
    }),
  );
  // Each socket keeps WINDOW/4 queries outstanding; a lost datagram is topped up every 100 ms.
  for (const { send } of sockets) for (let i = 0; i < WINDOW / 4; i++) send();
  let lastAnswered = 0;
  const topUp = setInterval(() => {
    if (answered === lastAnswered) for (const { send } of sockets) for (let i = 0; i < WINDOW / 4; i++) send();
    lastAnswered = answered;
  }, 100);
  await new Promise((r) => setTimeout(r, 1000));
  counting = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  counting = false;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(topUp);
  for (const { s } of sockets) s.close();
  child.kill();
  console.log(
    `loopback, ${replyCache ? 'reply cache on (as served)' : 'reply cache off (every query decoded, resolved, encoded)'}: ${Math.round(answered / secs).toLocaleString('en')} queries/s answered (${SERVICES} Services, ${WINDOW} in flight, ${SECONDS} s; goal ≥ 20,000/s)`,
  );
}

// ---------- 2. from a pod ----------
// Runs in the pod (node of the kubelab image): N one-by-one queries, each from a fresh socket.
const POD_SCRIPT = `
const dgram = require('dgram'); const dns = require('dns'); const fs = require('fs');
const p = require('/app/node_modules/dns-packet');
const [server, n, name] = [process.argv[1] || fs.readFileSync('/etc/resolv.conf', 'utf8').match(/nameserver\\s+(\\S+)/)[1], Number(process.argv[2]), process.argv[3]];
const one = (id) => new Promise((resolve, reject) => {
  const s = dgram.createSocket('udp4'); const t0 = process.hrtime.bigint();
  const timer = setTimeout(() => { s.close(); reject(new Error('timeout ' + server)); }, 2000);
  s.on('message', () => { clearTimeout(timer); s.close(); resolve(Number(process.hrtime.bigint() - t0) / 1e6); });
  s.send(p.encode({ id, type: 'query', flags: p.RECURSION_DESIRED, questions: [{ name, type: 'A' }] }), 53, server);
});
const lookup = () => new Promise((resolve, reject) => { const t0 = process.hrtime.bigint(); dns.lookup('web', { family: 4 }, (e) => e ? reject(e) : resolve(Number(process.hrtime.bigint() - t0) / 1e6)); });
(async () => {
  const raw = []; for (let i = 0; i < n; i++) raw.push(await one(i & 0xffff));
  const gai = []; if (process.argv[4] === 'lookup') for (let i = 0; i < Math.min(n, 500); i++) gai.push(await lookup());
  console.log(JSON.stringify({ server, raw, gai }));
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

async function fromPod() {
  process.env.KUBELAB_E2E_SLOT ??= '5';
  const { labUp, labDown } = await import('@kubelab/cli/lab');
  const { E2E_ENV } = await import('../tests/dist/lib/lab.js');
  const { kubectl, kubectlOk, waitFor } = await import('../tests/dist/lib/kubectl.js');
  const project = E2E_ENV.KUBELAB_PROJECT;
  const up = await labUp({
    project,
    apiPort: Number(E2E_ENV.KUBELAB_API_PORT),
    nodes: 2,
    env: E2E_ENV,
    mergeKubeconfig: false,
    build: false,
  });
  const o = { kubeconfig: up.kubeconfig };
  console.log(`lab ${project} up in ${up.seconds.toFixed(1)} s`);
  try {
    const image = `kubelab/kubelab:${process.env.KUBELAB_IMAGE_TAG || 'dev'}`;
    await kubectlOk(['create', 'deployment', 'web', '--image=kubelab/echo', '--port=80'], o);
    await kubectlOk(['expose', 'deployment', 'web', '--port=80'], o);
    await kubectlOk(
      [
        'run',
        'dnsbench',
        `--image=${image}`,
        '--image-pull-policy=Never',
        '--command',
        '--',
        '/bin/busybox',
        'sleep',
        '3600',
      ],
      o,
    );
    await kubectlOk(['wait', '--for=condition=Ready', 'pod/dnsbench', '--timeout=120s'], o);
    const dnsIP = (
      await kubectlOk(['get', 'svc', '-n', 'kube-system', 'kube-dns', '-o', 'jsonpath={.spec.clusterIP}'], o)
    ).trim();
    // The server's own address, asked with no kube-proxy hop in between.
    const serverIP = (await import('node:child_process'))
      .execFileSync('docker', [
        'inspect',
        '-f',
        '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
        `${project}_cluster-dns_1`,
      ])
      .toString()
      .trim();
    await waitFor(
      'web to resolve from the pod',
      async () =>
        (await kubectl(['exec', 'dnsbench', '--', 'wget', '-qO-', 'http://web'], o)).code === 0 ? true : undefined,
      60_000,
    );
    const runIn = async (server, lookup) =>
      JSON.parse(
        await kubectlOk(
          [
            'exec',
            'dnsbench',
            '--',
            'node',
            '-e',
            POD_SCRIPT,
            server,
            String(N),
            'web.default.svc.cluster.local',
            lookup ? 'lookup' : '',
          ],
          { ...o, timeoutMs: 300_000 },
        ),
      );
    await runIn(dnsIP, false); // warm-up
    const viaProxy = await runIn(dnsIP, true);
    const direct = await runIn(serverIP, false);
    console.log(
      `from a pod, kube-dns ClusterIP ${dnsIP} (kube-proxy → cluster-dns): ${summary(viaProxy.raw)} (goal p99 ≤ 5 ms)`,
    );
    console.log(`from a pod, the cluster-dns container's own address ${serverIP} (no hop): ${summary(direct.raw)}`);
    console.log(`from a pod, getaddrinfo('web') through the search path: ${summary(viaProxy.gai)}`);
  } finally {
    if (process.env.KEEP_LAB !== '1') await labDown({ project, env: E2E_ENV });
  }
}

if (process.argv[2] === '--serve') await serve();
else {
  await loopback(true);
  await loopback(false);
  console.log(
    `(load average during the run: ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${(await import('node:os')).cpus().length} CPUs)`,
  );
  if (process.env.LOOPBACK_ONLY !== '1') await fromPod();
}
