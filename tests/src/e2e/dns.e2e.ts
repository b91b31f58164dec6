/**
 * Cluster DNS end to end: a lab from the compose file (cluster-dns forwarding nowhere until the
 * test names a resolver of its own), driven by the real kubectl; lookups from busybox pods
 * (nslookup, wget) and raw queries from the host to the kube-dns ClusterIP (the cluster-dns
 * container on the lab's bridge). No name outside the lab is ever resolved.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ask, rcodeOf } from '@kubelab/cluster-dns/testing';
import { clusterDNSAddress } from '@kubelab/api';
import { serviceContainers, useE2eLab } from '../lib/e2e-lab.js';
import { E2E_ENV } from '../lib/lab.js';
import { run, waitFor } from '../lib/kubectl.js';

const lab = useE2eLab(2, { KUBELAB_DNS_UPSTREAM: 'none' });
const DNS_IP = clusterDNSAddress(E2E_ENV.KUBELAB_SERVICE_CIDR!);
const IMAGE = `kubelab/kubelab:${process.env.KUBELAB_IMAGE_TAG || 'dev'}`;

const web = (ns: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: echo, image: kubelab/echo, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, protocol: TCP}]
`;

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: {name: other-ns}
---
${web('default')}---
${web('other-ns')}---
apiVersion: v1
kind: Service
metadata: {name: alias}
spec: {type: ExternalName, externalName: web.other-ns.svc.cluster.local}
---
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  clusterIP: None
  selector: {app: nginx}
  ports: [{name: web, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: echo, image: kubelab/echo, ports: [{name: web, containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: box}
spec:
  hostAliases: [{ip: 127.0.0.1, hostnames: [foo.local, bar.local]}]
  containers: [{name: box, image: busybox, command: [sleep, '3600']}]
---
apiVersion: v1
kind: Pod
metadata: {name: custom}
spec:
  dnsPolicy: None
  dnsConfig:
    nameservers: [${DNS_IP}]
    searches: [other-ns.svc.cluster.local]
    options: [{name: ndots, value: '2'}, {name: edns0}]
  containers: [{name: box, image: busybox, command: [sleep, '3600']}]
---
apiVersion: v1
kind: Pod
metadata: {name: nodedns}
spec:
  dnsPolicy: Default
  containers: [{name: box, image: busybox, command: [sleep, '3600']}]
`;

// A resolver the test runs, in a pod: A 192.0.2.44 for names under example.test, no answer ever
// for names under blackhole.test, NXDOMAIN for the rest (NODATA for other types under example.test).
const RESOLVER = `
const dgram = require('dgram'); const p = require('/app/node_modules/dns-packet');
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => { const q = p.decode(m); const name = q.questions[0].name.toLowerCase();
  if (name.endsWith('blackhole.test')) return;
  const known = name.endsWith('example.test'); const hit = known && q.questions[0].type === 'A';
  s.send(p.encode({ id: q.id, type: 'response', flags: p.RECURSION_AVAILABLE | (known ? 0 : 3), questions: q.questions,
    answers: hit ? [{ name: q.questions[0].name, type: 'A', ttl: 30, data: '192.0.2.44' }] : [] }), r.port, r.address); });
s.bind(53);`;

async function sh(pod: string, cmd: string, ns = 'default'): Promise<{ code: number; out: string }> {
  const r = await lab.k(['exec', '-n', ns, pod, '--', 'sh', '-c', `${cmd} 2>&1`]);
  return { code: r.code, out: r.stdout + r.stderr };
}

async function podIP(name: string, ns = 'default'): Promise<string> {
  return (await lab.kOk(['get', 'pod', '-n', ns, name, '-o', 'jsonpath={.status.podIP}'])).trim();
}

async function clusterIP(name: string, ns = 'default'): Promise<string> {
  return (await lab.kOk(['get', 'svc', '-n', ns, name, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
}

const data = (p: Awaited<ReturnType<typeof ask>>): unknown[] =>
  (p.answers ?? []).map((a) => ('data' in a ? a.data : undefined));

describe('cluster DNS: kube-dns, records from pods, the search path, forwarding', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    await lab.kOk(['apply', '-f', '-'], MANIFESTS);
    await lab.kOk([
      'run',
      'resolver',
      `--image=${IMAGE}`,
      '--image-pull-policy=Never',
      '--command',
      '--',
      'node',
      '-e',
      RESOLVER,
    ]);
    for (const [ns, sel] of [
      ['default', 'app=web'],
      ['other-ns', 'app=web'],
    ])
      await lab.kOk(['wait', '-n', ns!, '--for=condition=Ready', 'pod', '-l', sel!, '--timeout=180s']);
    for (const pod of ['box', 'custom', 'nodedns', 'resolver'])
      await lab.kOk(['wait', '--for=condition=Ready', `pod/${pod}`, '--timeout=180s']);
    await waitFor(
      'web-1 Ready',
      async () =>
        (await lab.k(['wait', '--for=condition=Ready', 'pod/web-1', '--timeout=5s'])).code === 0 ? true : undefined,
      180_000,
      1000,
    );
  });

  it('has kube-dns in kube-system on the 10th service address, answering on UDP and TCP from the host', async () => {
    const svc = await lab.kJson<{
      spec: { clusterIP: string; ports: { name: string; port: number; protocol: string }[] };
    }>(['get', 'svc', '-n', 'kube-system', 'kube-dns']);
    assert.equal(svc.spec.clusterIP, DNS_IP);
    assert.deepEqual(
      svc.spec.ports.map((p) => `${p.name} ${p.port}/${p.protocol}`),
      ['dns 53/UDP', 'dns-tcp 53/TCP'],
    );
    for (const tcp of [false, true]) {
      const r = await waitFor(
        'kube-dns to answer',
        () => ask(53, 'kubernetes.default.svc.cluster.local', 'A', { host: DNS_IP, tcp, timeoutMs: 1000 }),
        60_000,
      );
      assert.deepEqual(data(r), [await clusterIP('kubernetes')]);
      assert.equal(r.flag_aa, true);
    }
    const [dns] = await serviceContainers('cluster-dns');
    const dnsAddr = (
      await run('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', dns!])
    ).stdout.trim();
    const eps = await waitFor(
      'the kube-dns endpoints',
      async () => {
        const out = (
          await lab.k([
            'get',
            'endpoints',
            '-n',
            'kube-system',
            'kube-dns',
            '-o',
            'jsonpath={.subsets[*].addresses[*].ip}',
          ])
        ).stdout.trim();
        return out || undefined;
      },
      60_000,
    );
    assert.equal(eps, dnsAddr, 'kubectl get endpoints kube-dns -n kube-system names the cluster-dns container');
    // kube-proxy forwards the address to those endpoints as for any Service; nobody else holds it.
    const dnsAddrs = (await run('docker', ['exec', dns!, '/bin/busybox', 'ip', '-4', 'addr', 'show', 'dev', 'eth0']))
      .stdout;
    assert.doesNotMatch(
      dnsAddrs,
      new RegExp(`inet ${DNS_IP.replace(/\./g, '\\.')}/`),
      'cluster-dns holds no service address',
    );
    const labels = await lab.kJson<{ metadata: { labels?: Record<string, string> } }>([
      'get',
      'svc',
      '-n',
      'kube-system',
      'kube-dns',
    ]);
    assert.equal(
      labels.metadata.labels?.['service.kubernetes.io/service-proxy-name'],
      undefined,
      'kube-proxy serves kube-dns',
    );
  });

  it('gives a ClusterFirst pod the cluster resolver and its namespace search path, and hostAliases in /etc/hosts', async () => {
    assert.equal(
      (await sh('box', 'cat /etc/resolv.conf')).out,
      `search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${DNS_IP}\noptions ndots:5\n`,
    );
    const hosts = (await sh('box', 'cat /etc/hosts')).out;
    assert.match(hosts, /^127\.0\.0\.1\tfoo\.local$/m);
    assert.match(hosts, /^127\.0\.0\.1\tbar\.local$/m);
    assert.match(hosts, new RegExp(`^${(await podIP('box')).replace(/\./g, '\\.')}\\tbox$`, 'm'));
  });

  it('honours dnsPolicy None with dnsConfig, and Default (the node’s resolver)', async () => {
    assert.equal(
      (await sh('custom', 'cat /etc/resolv.conf')).out,
      `search other-ns.svc.cluster.local\nnameserver ${DNS_IP}\noptions ndots:2 edns0\n`,
    );
    assert.match((await sh('custom', 'wget -qO- http://web')).out, /^hello from web-/);
    assert.match((await sh('nodedns', 'cat /etc/resolv.conf')).out, /^nameserver 127\.0\.0\.11$/m);
  });

  it('refuses dnsPolicy None without dnsConfig with upstream’s message', async () => {
    const r = await lab.k([
      'run',
      'bad',
      '--image=busybox',
      '--overrides={"spec":{"dnsPolicy":"None"}}',
      '--',
      'sleep',
      '1',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None/);
  });

  it('resolves A for a Service from a busybox pod, and wget works by short name, name.namespace and full name', async () => {
    const ip = await clusterIP('web');
    const look = await sh('box', 'nslookup web.default.svc.cluster.local');
    assert.equal(look.code, 0, look.out);
    assert.match(look.out, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}$`, 'm'));
    const otherIPs = (
      await lab.kOk(['get', 'pods', '-n', 'other-ns', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.podIP}'])
    )
      .trim()
      .split(/\s+/);
    const defaultIPs = (await lab.kOk(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.podIP}']))
      .trim()
      .split(/\s+/);
    const from = (out: string): string => /\(([\d.]+)\)/.exec(out)?.[1] ?? out;
    assert.ok(defaultIPs.includes(from((await sh('box', 'wget -qO- http://web')).out)));
    assert.ok(otherIPs.includes(from((await sh('box', 'wget -qO- http://web.other-ns')).out)));
    assert.ok(otherIPs.includes(from((await sh('box', 'wget -qO- http://web.other-ns.svc.cluster.local')).out)));
  });

  it('answers SRV for a named port, PTR for a ClusterIP, CNAME for an ExternalName, NXDOMAIN otherwise', async () => {
    const srv = await sh('box', 'nslookup -type=SRV _http._tcp.web.default.svc.cluster.local');
    assert.match(srv.out, /service = 0 100 80 web\.default\.svc\.cluster\.local/);
    const ptr = await sh('box', `nslookup ${await clusterIP('web')}`);
    assert.match(ptr.out, /name = web\.default\.svc\.cluster\.local/);
    const cname = await sh('box', 'nslookup -type=CNAME alias.default.svc.cluster.local');
    assert.match(cname.out, /canonical name = web\.other-ns\.svc\.cluster\.local/);
    const viaAlias = await sh('box', 'nslookup alias.default.svc.cluster.local');
    assert.match(
      viaAlias.out,
      new RegExp(`Address: ${(await clusterIP('web', 'other-ns')).replace(/\./g, '\\.')}$`, 'm'),
    );
    const nx = await sh('box', 'nslookup nosuch.default.svc.cluster.local');
    assert.notEqual(nx.code, 0);
    assert.match(nx.out, /can't find nosuch\.default\.svc\.cluster\.local: NXDOMAIN/);
    const raw = await ask(53, 'nosuch.default.svc.cluster.local', 'A', { host: DNS_IP });
    assert.equal(rcodeOf(raw), 'NXDOMAIN');
    assert.equal(raw.authorities?.[0]?.type, 'SOA');
    const nodata = await ask(53, 'web.default.svc.cluster.local', 'AAAA', { host: DNS_IP });
    assert.equal(rcodeOf(nodata), 'NOERROR');
    assert.deepEqual(nodata.answers, []);
  });

  it('resolves the pods of a headless StatefulSet Service by name, with SRV and PTR, and their FQDN in /etc/hosts', async () => {
    const ip0 = await podIP('web-0');
    const ip1 = await podIP('web-1');
    const one = await sh('box', 'nslookup web-0.nginx.default.svc.cluster.local');
    assert.match(one.out, new RegExp(`Address: ${ip0.replace(/\./g, '\\.')}$`, 'm'));
    assert.deepEqual(
      data(await ask(53, 'nginx.default.svc.cluster.local', 'A', { host: DNS_IP })).sort(),
      [ip0, ip1].sort(),
    );
    const srv = await ask(53, '_web._tcp.nginx.default.svc.cluster.local', 'SRV', { host: DNS_IP });
    assert.deepEqual(
      (srv.answers ?? []).map((a) => ('data' in a ? (a.data as { target: string }).target : '')).sort(),
      ['web-0.nginx.default.svc.cluster.local', 'web-1.nginx.default.svc.cluster.local'],
    );
    assert.match((await sh('box', `nslookup ${ip1}`)).out, /name = web-1\.nginx\.default\.svc\.cluster\.local/);
    assert.match(
      (await sh('web-0', 'cat /etc/hosts')).out,
      new RegExp(`^${ip0.replace(/\./g, '\\.')}\\tweb-0\\.nginx\\.default\\.svc\\.cluster\\.local web-0$`, 'm'),
    );
  });

  it('forwards names outside the cluster only to the resolvers the kube-dns ConfigMap names, SERVFAIL fast when they do not answer', async () => {
    const none = await ask(53, 'www.example.test', 'A', { host: DNS_IP });
    assert.equal(rcodeOf(none), 'REFUSED', 'nothing to forward to: refused at once');
    const resolver = await podIP('resolver');
    await lab.kOk([
      'create',
      'configmap',
      'kube-dns',
      '-n',
      'kube-system',
      `--from-literal=upstreamNameservers=["${resolver}"]`,
    ]);
    const fwd = await waitFor(
      'a forwarded answer',
      async () => {
        const r = await sh('box', 'nslookup www.example.test');
        return /Address: 192\.0\.2\.44/.test(r.out) ? r : undefined;
      },
      30_000,
    );
    assert.equal(fwd.code, 0, fwd.out);
    const t0 = Date.now();
    const hole = await ask(53, 'www.blackhole.test', 'A', { host: DNS_IP, timeoutMs: 5000 });
    const ms = Date.now() - t0;
    assert.equal(rcodeOf(hole), 'SERVFAIL');
    assert.ok(ms < 4000, `SERVFAIL after ${ms} ms`);
    // busybox's nslookup (musl's rule) asks again at once on SERVFAIL until its own timeout, so
    // the pod-side check uses node's resolver (c-ares) in the resolver pod, with one try.
    const script = `const r = new (require('dns').Resolver)({ tries: 1, timeout: 5000 }); r.setServers(['${DNS_IP}']); const t0 = Date.now(); r.resolve4('www.blackhole.test', (e) => console.log(e ? e.code : 'answered', Date.now() - t0));`;
    const fromPod = (await lab.kOk(['exec', 'resolver', '--', 'node', '-e', script])).trim().split(' ');
    assert.equal(fromPod[0], 'ESERVFAIL');
    assert.ok(Number(fromPod[1]) < 4000, `SERVFAIL after ${fromPod[1]} ms in the pod`);
  });

  it('keeps answering from its cache while the apiserver is away, and comes back after its own restart', async () => {
    const ip = await clusterIP('web');
    const webA = async (): Promise<string[] | undefined> => {
      try {
        const r = await ask(53, 'web.default.svc.cluster.local', 'A', { host: DNS_IP, timeoutMs: 1000 });
        return rcodeOf(r) === 'NOERROR' ? (data(r) as string[]) : undefined;
      } catch {
        return undefined;
      }
    };
    const [apiserver] = await serviceContainers('apiserver');
    assert.ok(apiserver, 'the apiserver container');
    assert.equal((await run('docker', ['stop', '-t', '1', apiserver])).code, 0);
    try {
      assert.deepEqual(await webA(), [ip], 'answered with the apiserver stopped');
    } finally {
      assert.equal((await run('docker', ['start', apiserver])).code, 0);
    }
    const [dns] = await serviceContainers('cluster-dns');
    assert.ok(dns, 'the cluster-dns container');
    assert.equal((await run('docker', ['restart', '-t', '1', dns])).code, 0);
    assert.deepEqual(await waitFor('web to resolve again after the restarts', webA, 90_000), [ip]);
    await lab.kOk(['create', 'service', 'clusterip', 'late', '--tcp=80:80']);
    const late = await clusterIP('late');
    assert.match(
      (
        await waitFor(
          'a Service made after the restarts',
          async () => {
            const r = await sh('box', 'nslookup late.default.svc.cluster.local');
            return r.code === 0 ? r : undefined;
          },
          60_000,
        )
      ).out,
      new RegExp(`Address: ${late.replace(/\./g, '\\.')}$`, 'm'),
    );
  });
});
