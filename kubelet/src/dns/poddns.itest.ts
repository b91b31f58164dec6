/**
 * Pod DNS files against the real Docker engine: the sandbox writes the pod's /etc/resolv.conf
 * before the kubelet goes on, app containers share it and the sandbox's /etc/hosts. Everything
 * carries io.kubelab.cluster=kubelet-dns-itest-<pid> and is removed by that label.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DockerTestEnv } from '../testing/dockerenv.js';
import { makePod as makeBasePod, silentLogger } from '../testing/fakes.js';
import { DockerRuntime } from '../runtime/docker.js';
import { parseResolvConf } from './poddns.js';

const env = new DockerTestEnv('kubelet-dns-itest');
const makePod: typeof makeBasePod = (name, node, spec, meta) =>
  makeBasePod(name, node, spec, { uid: randomUUID(), ...meta });

describe('pod DNS files on the real engine', { timeout: 120_000 }, () => {
  const dns = {
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    node: parseResolvConf('nameserver 127.0.0.11\noptions ndots:0\n'),
  };
  const runtime = new DockerRuntime({
    cluster: env.cluster,
    node: 'n',
    network: env.network,
    pauseImage: env.image,
    pauseCommand: ['sleep', '2147483647'],
    log: silentLogger(),
    dns,
  });

  before(() => env.setUp());
  after(() => env.cleanup());

  it('writes the ClusterFirst resolv.conf in the sandbox, shared by its app containers, with hostAliases and the FQDN in /etc/hosts', async () => {
    const pod = makePod(
      'web-0',
      'n',
      {
        hostname: 'web-0',
        subdomain: 'nginx',
        hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local'] }],
        containers: [{ name: 'app', image: env.image, command: ['sleep', '600'] }],
      },
      { namespace: 'shop' },
    );
    const sandbox = await runtime.createPause(pod);
    const want =
      'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n';
    assert.equal((await env.exec(sandbox.id, ['cat', '/etc/resolv.conf'])).out, want);
    const app = await runtime.createContainer(pod, pod.spec.containers[0]!, sandbox.id, 0);
    await runtime.start(app);
    assert.equal((await env.exec(app, ['cat', '/etc/resolv.conf'])).out, want);
    const hosts = (await env.exec(app, ['cat', '/etc/hosts'])).out;
    assert.match(hosts, /^127\.0\.0\.1\tfoo\.local$/m);
    assert.match(
      hosts,
      new RegExp(`^${sandbox.ip.replace(/\./g, '\\.')}\\tweb-0\\.nginx\\.shop\\.svc\\.cluster\\.local web-0$`, 'm'),
    );
  });

  it('leaves Docker’s own resolv.conf to a Default pod', async () => {
    const sandbox = await runtime.createPause(makePod('plain', 'n', { dnsPolicy: 'Default' }));
    assert.match((await env.exec(sandbox.id, ['cat', '/etc/resolv.conf'])).out, /^nameserver 127\.0\.0\.11$/m);
  });

  it('fails the sandbox, removed, when its image cannot write the file', async () => {
    const broken = new DockerRuntime({
      cluster: env.cluster,
      node: 'n',
      network: env.network,
      pauseImage: env.image,
      pauseCommand: ['sleep', '2147483647'],
      log: silentLogger(),
      dns,
      timeoutMs: 30_000,
    });
    const pod = makePod('ro', 'n', { dnsPolicy: 'None', dnsConfig: { nameservers: ['10.0.0.1'] } });
    // A sandbox whose /etc is read-only: the write fails, the shell exits, the sandbox stops.
    const create = (broken as unknown as { create: (o: Record<string, unknown>) => Promise<string> }).create.bind(
      broken,
    );
    (broken as unknown as { create: (o: Record<string, unknown>) => Promise<string> }).create = (o) =>
      create({ ...o, HostConfig: { ...(o.HostConfig as object), ReadonlyRootfs: true } });
    await assert.rejects(broken.createPause(pod), /did not write \/etc\/resolv\.conf|is not running/);
  });
});
