import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { composeArgv, pickCompose } from './compose.js';
import { nextNodeName } from './node-name.js';
import { readyNodes } from './nodes.js';
import { since } from './output.js';
import { labSettings } from './settings.js';
import { subnetsOverlap } from './subnet.js';
import { demux } from './docker.js';

describe('nextNodeName', () => {
  it('starts at 1', () => assert.equal(nextNodeName('kubelab', []), 'kubelab-node-1'));
  it('goes one past the highest, gaps included, ignoring other names and projects', () => {
    assert.equal(
      nextNodeName('lab', ['/lab-node-1', 'lab-node-3', 'lab-kubelet-7', 'other-node-9', 'lab-node-x']),
      'lab-node-4',
    );
  });
  it('treats project names literally', () => assert.equal(nextNodeName('a.b', ['axb-node-5']), 'a.b-node-1'));
});

describe('pickCompose', () => {
  it('prefers the v2 plugin', () =>
    assert.deepEqual(pickCompose(undefined, { v1: true, v2: true }), { cmd: 'docker', args: ['compose'] }));
  it('falls back to docker-compose v1', () =>
    assert.deepEqual(pickCompose(undefined, { v1: true, v2: false }), { cmd: 'docker-compose', args: [] }));
  it('obeys KUBELAB_COMPOSE', () =>
    assert.deepEqual(pickCompose(' podman  compose ', { v1: true, v2: true }), { cmd: 'podman', args: ['compose'] }));
  it('says what to install when there is none', () =>
    assert.throws(
      () => pickCompose('', { v1: false, v2: false }),
      /ensure-docker\.sh.*apt-get install docker-compose/,
    ));
  it('puts file and project before the subcommand', () => {
    assert.deepEqual(composeArgv({ cmd: 'docker', args: ['compose'] }, '/r/docker-compose.yml', 'lab', ['up', '-d']), [
      'compose',
      '-f',
      '/r/docker-compose.yml',
      '-p',
      'lab',
      'up',
      '-d',
    ]);
  });
});

describe('labSettings', () => {
  it('defaults cluster and network to the project', () => {
    const s = labSettings({}, { KUBELAB_PROJECT: 'dev' }, '/r/');
    assert.equal(s.project, 'dev');
    assert.equal(s.cluster, 'dev');
    assert.equal(s.network, 'dev');
    assert.equal(s.apiUrl, 'https://127.0.0.1:6443');
    assert.equal(s.env.KUBELAB_NODES, '2');
    assert.equal(s.composeFile, '/r/docker-compose.yml');
    assert.equal(s.pkiDir, '/r/.kubelab/dev/pki');
    assert.equal(s.env.KUBELAB_PKI_DIR, '/r/.kubelab/dev/pki');
    assert.equal(labSettings({}, {}, '/r/').pkiDir, '/r/.kubelab/pki');
    assert.equal(labSettings({}, { KUBELAB_PKI_DIR: '/etc/p' }, '/r/').pkiDir, '/etc/p');
  });
  it('takes options over the given env over process env', () => {
    const s = labSettings(
      { apiPort: 16443, env: { KUBELAB_NODES: '3', KUBELAB_CLUSTER: 'c' } },
      { KUBELAB_NODES: '5', KUBELAB_API_PORT: '1' },
      '/r/',
    );
    assert.equal(s.apiPort, 16443);
    assert.equal(s.nodes, 3);
    assert.equal(s.cluster, 'c');
    assert.equal(s.env.KUBELAB_API_PORT, '16443');
  });
  it('rejects bad values with the variable name', () => {
    assert.throws(() => labSettings({ project: 'My Lab' }, {}, '/r/'), /KUBELAB_PROJECT: Invalid value: "My Lab"/);
    assert.throws(
      () => labSettings({}, { KUBELAB_NODES: '-1' }, '/r/'),
      /KUBELAB_NODES: Invalid value: "-1": must be an integer from 0 to 100/,
    );
    assert.throws(() => labSettings({}, { KUBELAB_API_PORT: '70000' }, '/r/'), /KUBELAB_API_PORT/);
  });
  it('uses a specific bind address for the API URL, loopback for 0.0.0.0', () => {
    assert.equal(labSettings({}, { KUBELAB_BIND_ADDRESS: '0.0.0.0' }, '/r/').apiUrl, 'https://127.0.0.1:6443');
    assert.equal(labSettings({}, { KUBELAB_BIND_ADDRESS: '10.0.0.5' }, '/r/').apiUrl, 'https://10.0.0.5:6443');
  });
});

describe('subnetsOverlap', () => {
  it('finds overlaps both ways and none between neighbours', () => {
    assert.equal(subnetsOverlap('10.244.0.0/16', '10.244.128.0/17'), true);
    assert.equal(subnetsOverlap('10.244.128.0/17', '10.244.0.0/16'), true);
    assert.equal(subnetsOverlap('10.244.0.0/16', '10.245.0.0/16'), false);
    assert.equal(subnetsOverlap('172.17.0.0/16', '10.244.0.0/16'), false);
    assert.equal(subnetsOverlap('fd00::/64', '10.244.0.0/16'), false);
  });
  it('ignores nonsense', () => assert.equal(subnetsOverlap('10.300.0.0/16', '10.0.0.0/8'), false));
});

describe('readyNodes', () => {
  it('counts nodes whose Ready condition is True', () => {
    const body = {
      items: [
        { metadata: { name: 'a' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
        { metadata: { name: 'b' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
        { metadata: { name: 'c' }, status: { conditions: [{ type: 'MemoryPressure', status: 'True' }] } },
        { metadata: { name: 'd' } },
      ],
    };
    assert.deepEqual(readyNodes(body), { ready: ['a'], total: 4 });
    assert.deepEqual(readyNodes(undefined), { ready: [], total: 0 });
  });
});

describe('small helpers', () => {
  it('since prints tenths under ten seconds', () => {
    assert.equal(since(0, 3400), '3.4s');
    assert.equal(since(0, 42_600), '43s');
  });
  it('demux joins Docker log frames and passes plain text through', () => {
    const frame = (stream: number, text: string) =>
      Buffer.concat([Buffer.from([stream, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
    assert.equal(demux(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')])), 'out\nerr\n');
    assert.equal(demux(Buffer.from('plain text here\n')), 'plain text here\n');
  });
});
