/**
 * Service networking on a real lab, driven by the real kubectl: NodePort and LoadBalancer from
 * the host, round-robin over ready pods, readiness, session affinity, UDP through a ClusterIP,
 * hairpin, and the Ingress controller (the minikube Ingress tutorial, paths and hosts, TLS, a
 * WebSocket).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fakeCertificate } from '@kubelab/ingress/certs';
import { useE2eLab } from '../lib/e2e-lab.js';
import { E2E_ENV } from '../lib/lab.js';
import { waitFor } from '../lib/kubectl.js';
import { echoDeployment, get, httpProbe, podOf, spread, udpProbe, websocketEcho } from './networking-lib.js';

interface Pod {
  metadata: { name: string };
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}
interface Svc {
  spec: { clusterIP: string; ports: { nodePort?: number }[] };
  status?: { loadBalancer?: { ingress?: { ip: string }[] } };
}

const lab = useE2eLab(2);
const httpPort = Number(E2E_ENV.KUBELAB_INGRESS_HTTP_PORT);
const httpsPort = Number(E2E_ENV.KUBELAB_INGRESS_HTTPS_PORT);
const ready = (p: Pod): boolean => (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function readyPods(app: string, n: number): Promise<Pod[]> {
  return waitFor(
    `${n} ready ${app} pods`,
    async () => {
      const pods = (await lab.kJson<{ items: Pod[] }>(['get', 'pods', '-l', `app=${app}`])).items.filter(ready);
      return pods.length === n ? pods : undefined;
    },
    120_000,
  );
}

const svc = (name: string): Promise<Svc> => lab.kJson<Svc>(['get', 'svc', name]);

describe('networking', () => {
  let pods: Pod[] = [];
  let nodePort = 0;

  before(async () => {
    await lab.kOk(['apply', '-f', '-'], echoDeployment('web', 3, { readiness: true }));
    await lab.kOk([
      'expose',
      'deployment',
      'web',
      '--name=web-np',
      '--type=NodePort',
      '--port=80',
      '--target-port=web',
    ]);
    await lab.kOk([
      'expose',
      'deployment',
      'web',
      '--name=web-lb',
      '--type=LoadBalancer',
      '--port=8080',
      '--target-port=web',
    ]);
    await lab.kOk([
      'expose',
      'deployment',
      'web',
      '--name=web-udp',
      '--protocol=UDP',
      '--port=5353',
      '--target-port=echo-udp',
    ]);
    await lab.kOk([
      'expose',
      'deployment',
      'web',
      '--name=web-sticky',
      '--type=NodePort',
      '--port=80',
      '--target-port=web',
      '--session-affinity=ClientIP',
    ]);
    pods = await readyPods('web', 3);
    nodePort = (await svc('web-np')).spec.ports[0]!.nodePort!;
  });

  it('NodePort: 30 requests from the host over 3 ready pods hit each 10 ± 3 times', async () => {
    const url = `http://127.0.0.1:${nodePort}/`;
    await waitFor(
      'the node port to route to all 3 pods',
      async () => ((await spread(url, 6)).size === 3 ? true : undefined),
      30_000,
    );
    const counts = await spread(url, 30);
    assert.deepEqual([...counts.keys()].sort(), pods.map((p) => p.metadata.name).sort());
    for (const [pod, n] of counts) assert.ok(n >= 7 && n <= 13, `${pod}: ${n} of 30`);
  });

  it('LoadBalancer: an address of the pool in EXTERNAL-IP, answering from the host on the service port', async () => {
    const ip = await waitFor(
      'an EXTERNAL-IP',
      async () => (await svc('web-lb')).status?.loadBalancer?.ingress?.[0]?.ip,
      30_000,
    );
    assert.match(ip, new RegExp(`^${E2E_ENV.KUBELAB_LB_POOL!.split('.').slice(0, 3).join('\\.')}\\.`));
    const body = await waitFor(
      `http://${ip}:8080/ to answer`,
      async () => (await get(`http://${ip}:8080/`, { timeoutMs: 2000 })).body,
      30_000,
    );
    assert.match(body, /^hello from web-/);
    const table = await lab.kOk(['get', 'svc', 'web-lb']);
    assert.match(table, new RegExp(`${ip.replace(/\./g, '\\.')}\\s+8080:\\d+/TCP`));
  });

  it('sessionAffinity ClientIP keeps the host on one pod', async () => {
    const port = (await svc('web-sticky')).spec.ports[0]!.nodePort!;
    await waitFor(
      'the sticky node port',
      async () => (await get(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 })).status === 200 || undefined,
      30_000,
    );
    const counts = await spread(`http://127.0.0.1:${port}/`, 12);
    assert.equal(counts.size, 1, `one pod for one client: ${JSON.stringify([...counts])}`);
  });

  it('UDP echo through a ClusterIP, and a pod reaching its own Service (hairpin)', async () => {
    const ip = (await svc('web-udp')).spec.clusterIP;
    const from = pods[0]!.metadata.name;
    const reply = await waitFor(
      'a UDP reply',
      async () => {
        const r = await lab.k(['exec', from, '--', 'node', '-e', udpProbe(ip, 5353, 'ping')]);
        return r.code === 0 ? r.stdout.trim() : undefined;
      },
      30_000,
    );
    assert.match(reply, /^web-\S+: ping$/);
    const np = (await svc('web-np')).spec.clusterIP;
    const out = await lab.kOk(['exec', from, '--', 'node', '-e', httpProbe(np, 80, 6)]);
    assert.ok(
      out.split('\n').some((l) => podOf(l) === from),
      `the pod reached itself through its Service:\n${out}`,
    );
  });

  it('a pod failing readiness gets no new connections within 1 s of turning NotReady; back when ready', async () => {
    const victim = pods[1]!;
    const url = `http://127.0.0.1:${nodePort}/`;
    const t0 = Date.now();
    assert.match((await get(`http://${victim.status.podIP}:80/admin/unready`)).body, /unready/);
    await waitFor(
      `${victim.metadata.name} NotReady`,
      async () => (ready(await lab.kJson<Pod>(['get', 'pod', victim.metadata.name])) ? undefined : true),
      20_000,
      100,
    );
    const notReadyAt = Date.now();
    const hits: number[] = [];
    while (Date.now() - notReadyAt < 2500) {
      const started = Date.now();
      if (podOf((await get(url)).body) === victim.metadata.name) hits.push(started - notReadyAt);
    }
    console.log(
      `  readiness: NotReady seen ${notReadyAt - t0} ms after the probe started failing; hits after that at ${JSON.stringify(hits)} ms`,
    );
    assert.ok(
      hits.every((ms) => ms < 1000),
      `new connections reached the NotReady pod after 1 s: ${JSON.stringify(hits)}`,
    );
    await get(`http://${victim.status.podIP}:80/admin/ready`);
    await waitFor(
      'the pod back in rotation',
      async () => ((await spread(url, 6)).has(victim.metadata.name) ? true : undefined),
      30_000,
    );
  });
});

describe('ingress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-ingress-'));

  before(async () => {
    // The minikube tutorial, with kubelab/echo on port 8080 in place of hello-app.
    await lab.kOk(
      ['apply', '-f', '-'],
      echoDeployment('hello', 1, { port: 8080 }) + '---\n' + echoDeployment('hello2', 1, { port: 8080 }),
    );
    await lab.kOk(['expose', 'deployment', 'hello', '--type=NodePort', '--port=8080']);
    await lab.kOk(['expose', 'deployment', 'hello2', '--type=NodePort', '--port=8080']);
    const pem = await fakeCertificate(new Date(), 'secure.example');
    writeFileSync(join(dir, 'tls.crt'), pem.cert);
    writeFileSync(join(dir, 'tls.key'), pem.key);
    await lab.kOk([
      'create',
      'secret',
      'tls',
      'secure-tls',
      `--cert=${join(dir, 'tls.crt')}`,
      `--key=${join(dir, 'tls.key')}`,
    ]);
    await lab.kOk(['apply', '-f', '-'], TUTORIAL_INGRESS + '---\n' + ROUTES_INGRESS);
    await readyPods('hello', 1);
    await readyPods('hello2', 1);
  });

  const via = (host: string, path: string) => get(`http://127.0.0.1:${httpPort}${path}`, { host });

  it('the tutorial: hello-world.example answers through the nginx class, /v2 on the second service', async () => {
    const body = await waitFor(
      'hello-world.example to answer',
      async () => {
        const r = await via('hello-world.example', '/');
        return r.status === 200 ? r.body : undefined;
      },
      30_000,
    );
    assert.match(body, /^hello from hello-/);
    assert.match((await via('hello-world.example', '/v2')).body, /^hello from hello2-/);
    const table = await waitFor(
      'an ADDRESS',
      async () => {
        const t = await lab.kOk(['get', 'ingress', 'example-ingress']);
        return /127\.0\.0\.1/.test(t) ? t : undefined;
      },
      30_000,
    );
    assert.match(table, /example-ingress\s+nginx\s+hello-world\.example\s+127\.0\.0\.1\s+80/);
  });

  it('paths /a and /b and two hosts go to different Services; 404 and 503 as ingress-nginx', async () => {
    await waitFor(
      'the routes ingress',
      async () => ((await via('paths.example', '/a')).status === 200 ? true : undefined),
      30_000,
    );
    assert.match((await via('paths.example', '/a/x')).body, /^hello from hello-/);
    assert.match((await via('paths.example', '/b')).body, /^hello from hello2-/);
    assert.match((await via('other.example', '/')).body, /^hello from hello2-/);
    const nf = await via('paths.example', '/c');
    assert.equal(nf.status, 404);
    assert.match(nf.body, /404 Not Found/);
    assert.equal((await via('paths.example', '/none')).status, 503);
  });

  it('TLS from a Secret by SNI; plain HTTP to that host is redirected', async () => {
    const r = await waitFor(
      'HTTPS to answer',
      async () => {
        const x = await get(`https://127.0.0.1:${httpsPort}/`, {
          host: 'secure.example',
          servername: 'secure.example',
        });
        return x.status === 200 ? x : undefined;
      },
      30_000,
    );
    assert.equal(r.cn, 'secure.example');
    assert.match(r.body, /^hello from hello-/);
    const redirect = await via('secure.example', '/p');
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.location, `https://secure.example:${httpsPort}/p`);
  });

  it('a WebSocket through the Ingress', async () => {
    const r = await websocketEcho(httpPort, 'hello-world.example', 'hello over websocket');
    assert.equal(r.echoed, 'hello over websocket');
    assert.match(r.pod, /^hello-/);
  });
});

const TUTORIAL_INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: example-ingress
spec:
  ingressClassName: nginx
  rules:
    - host: hello-world.example
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: hello
                port:
                  number: 8080
          - path: /v2
            pathType: Prefix
            backend:
              service:
                name: hello2
                port:
                  number: 8080
`;

const ROUTES_INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: routes
spec:
  tls:
    - hosts: [secure.example]
      secretName: secure-tls
  rules:
    - host: paths.example
      http:
        paths:
          - {path: /a, pathType: Prefix, backend: {service: {name: hello, port: {number: 8080}}}}
          - {path: /b, pathType: Exact, backend: {service: {name: hello2, port: {number: 8080}}}}
          - {path: /none, pathType: Prefix, backend: {service: {name: missing, port: {number: 80}}}}
    - host: other.example
      http:
        paths:
          - {path: /, pathType: ImplementationSpecific, backend: {service: {name: hello2, port: {number: 8080}}}}
    - host: secure.example
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: hello, port: {number: 8080}}}}
`;
