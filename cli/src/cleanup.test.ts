import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseNameservers, preflight, sweepLab, type DockerState, type LabScope } from './cleanup.js';
import type { LabContainer, LabNetwork } from './docker.js';
import { FakeLabDocker } from './docker-fake.js';
import { joinNode } from './join.js';
import { labSettings } from './settings.js';

const scope: LabScope = { project: 'lab', cluster: 'lab', network: 'lab', subnet: '10.250.0.0/16' };
const container = (id: string, labels: Record<string, string>): LabContainer => ({
  id,
  name: id,
  labels,
  state: 'running',
  status: 'Up',
  image: 'x',
});
const network = (id: string, name: string, labels: Record<string, string>, subnets: string[] = []): LabNetwork => ({
  id,
  name,
  labels,
  subnets,
});
const ours = { 'io.kubelab.cluster': 'lab' };
const composed = { ...ours, 'com.docker.compose.project': 'lab' };
const state = (s: Partial<DockerState>): DockerState => ({ containers: [], networks: [], volumes: [], ...s });

describe('preflight', () => {
  it("refuses a subnet that holds the host's DNS server (its bridge route would cut DNS off)", () => {
    const p = preflight({ ...scope, subnet: '10.255.0.0/16' }, state({ nameservers: ['10.255.255.53'] }));
    assert.equal(p.errors.length, 1);
    assert.match(p.errors[0]!, /KUBELAB_SUBNET 10\.255\.0\.0\/16 contains 10\.255\.255\.53, this host's DNS server/);
    assert.deepEqual(preflight(scope, state({ nameservers: ['10.255.255.53'] })).errors, []);
    assert.deepEqual(parseNameservers('# x\nnameserver 10.255.255.53\nnameserver ::1\nsearch a\n'), ['10.255.255.53']);
  });

  it('removes leftovers of a lab that is gone: pod containers and our old network', () => {
    const p = preflight(
      scope,
      state({
        containers: [
          container('pod1', { ...ours, 'io.kubernetes.pod.name': 'web' }),
          container('other', { 'io.kubelab.cluster': 'else' }),
        ],
        networks: [network('n1', 'lab', ours, ['10.250.0.0/16']), network('b', 'bridge', {}, ['172.17.0.0/16'])],
      }),
    );
    assert.equal(p.fresh, true);
    assert.deepEqual(
      p.removeContainers.map((c) => c.id),
      ['pod1'],
    );
    assert.deepEqual(
      p.removeNetworks.map((n) => n.id),
      ['n1'],
    );
    assert.deepEqual(p.errors, []);
  });

  it('keeps everything of a running lab (its network does not count as a clash)', () => {
    const p = preflight(
      scope,
      state({
        containers: [container('etcd', composed), container('pod1', { ...ours, 'io.kubernetes.pod.name': 'web' })],
        networks: [network('n1', 'lab', { ...composed }, ['10.250.0.0/16'])],
      }),
    );
    assert.equal(p.fresh, false);
    assert.deepEqual(p.removeContainers, []);
    assert.deepEqual(p.removeNetworks, []);
    assert.deepEqual(p.errors, []);
  });

  it('keeps a stopped lab whose data volume is still there', () => {
    const p = preflight(
      scope,
      state({ containers: [container('pod1', ours)], volumes: [{ name: 'lab_etcd-data', labels: composed }] }),
    );
    assert.equal(p.fresh, false);
    assert.deepEqual(p.removeContainers, []);
  });

  it('refuses a network of that name that kubelab did not make, or that another lab owns', () => {
    assert.match(
      preflight(scope, state({ networks: [network('x', 'lab', {})] })).errors.join(),
      /was not made by kubelab: remove it \(docker network rm lab\) or choose another name with KUBELAB_NETWORK/,
    );
    assert.match(
      preflight(scope, state({ networks: [network('x', 'lab', { 'io.kubelab.cluster': 'e2e' })] })).errors.join(),
      /belongs to kubelab cluster "e2e"/,
    );
  });

  it('refuses a subnet that overlaps another network', () => {
    const p = preflight(
      scope,
      state({ networks: [network('x', 'e2e', { 'io.kubelab.cluster': 'e2e' }, ['10.250.128.0/17'])] }),
    );
    assert.match(
      p.errors.join(),
      /KUBELAB_SUBNET 10\.250\.0\.0\/16 overlaps 10\.250\.128\.0\/17, the subnet of Docker network "e2e"/,
    );
  });
});

describe('sweepLab', () => {
  it('removes kubelets before anything else, then networks and volumes of the cluster only', async () => {
    const docker = new FakeLabDocker();
    docker.containerList = [
      container('etcd', { ...composed, 'io.kubelab.component': 'etcd' }),
      container('pod1', ours),
      container('kubelet1', { ...composed, 'io.kubelab.component': 'kubelet' }),
      container('node-1', { ...ours, 'io.kubelab.component': 'kubelet', 'io.kubelab.joined': '1' }),
      container('stranger', { 'io.kubelab.cluster': 'other' }),
    ];
    docker.networkList = [
      network('n1', 'lab', ours),
      network('n2', 'other', { 'io.kubelab.cluster': 'other' }),
      network('b', 'bridge', {}),
    ];
    docker.volumeList = [
      { name: 'lab_etcd-data', labels: composed },
      { name: 'v2', labels: { 'io.kubelab.cluster': 'other' } },
    ];
    const lines: string[] = [];
    const r = await sweepLab(docker, scope, (l) => lines.push(l));
    assert.deepEqual(docker.calls.slice(0, 2).sort(), ['rm container kubelet1', 'rm container node-1']);
    assert.deepEqual(docker.calls.slice(2, 4).sort(), ['rm container etcd', 'rm container pod1']);
    assert.deepEqual(docker.calls.slice(4), ['rm network n1', 'rm volume lab_etcd-data']);
    assert.deepEqual(
      docker.containerList.map((c) => c.id),
      ['stranger'],
    );
    assert.deepEqual(r, { containers: 4, networks: 1, volumes: 1 });
    assert.match(lines.join(), /removed 4 container\(s\), 1 network\(s\), 1 volume\(s\) of cluster lab/);
  });

  it('is quiet and harmless when nothing is left', async () => {
    const docker = new FakeLabDocker();
    const lines: string[] = [];
    assert.deepEqual(await sweepLab(docker, scope, (l) => lines.push(l)), { containers: 0, networks: 0, volumes: 0 });
    assert.deepEqual(lines, []);
  });
});

describe('joinNode', () => {
  const settings = labSettings({ project: 'lab', env: { KUBELAB_IMAGE: 'kubelab/kubelab:dev' } }, {}, '/r/');

  it('starts a kubelet named <project>-node-<n> on the lab network, labelled for down', async () => {
    const docker = new FakeLabDocker();
    docker.networkList = [network('n1', 'lab', ours)];
    docker.containerList = [container('lab-node-1', { ...ours, 'io.kubelab.joined': '1' })];
    const r = await joinNode(docker, settings);
    assert.equal(r.name, 'lab-node-2');
    const c = docker.containerList.find((x) => x.id === 'lab-node-2')!;
    assert.equal(c.labels['io.kubelab.cluster'], 'lab');
    assert.equal(c.labels['io.kubelab.component'], 'kubelet');
    assert.deepEqual(docker.calls, ['run lab-node-2']);
  });

  it('says to run up first when the lab network is missing', async () => {
    await assert.rejects(
      joinNode(new FakeLabDocker(), settings),
      /the lab lab is not running \(no Docker network "lab"\): run \.\/kubelab up first/,
    );
  });
});
