import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeLabDocker } from './docker-fake.js';
import { haFromEnv, profileArgs, runsHa, startedMembers } from './ha.js';
import { labSettings } from './settings.js';

const container = (project: string, service: string) => ({
  id: `${project}-${service}`,
  name: `${project}_${service}_1`,
  labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': service },
  state: 'running',
  status: 'Up',
  image: 'x',
});

describe('the HA profile', () => {
  it('is asked for with --ha or KUBELAB_HA', () => {
    assert.equal(labSettings({}, {}).ha, false);
    assert.equal(labSettings({ ha: true }, {}).ha, true);
    assert.equal(labSettings({}, { KUBELAB_HA: '1' }).ha, true);
    assert.equal(haFromEnv('false'), false);
    assert.throws(() => haFromEnv('yes'), /KUBELAB_HA: Invalid value: "yes": must be 1, true, 0 or false/);
    assert.deepEqual(profileArgs(true), ['--profile', 'ha']);
    assert.deepEqual(profileArgs(false), []);
  });

  it('is recognised in a running lab by its extra services, and only in that project', async () => {
    const docker = new FakeLabDocker();
    docker.containerList = [container('lab', 'etcd'), container('lab', 'apiserver'), container('other', 'etcd-2')];
    assert.equal(await runsHa(docker, 'lab'), false);
    docker.containerList.push(container('lab', 'scheduler-2'));
    assert.equal(await runsHa(docker, 'lab'), true);
  });

  it('counts only started etcd members (an added one has no name and no client URLs yet)', () => {
    const list = JSON.stringify({
      members: [
        { ID: '1', name: 'etcd-1', peerURLs: ['http://etcd-1:2380'], clientURLs: ['http://etcd-1:2379'] },
        { ID: '2', peerURLs: ['http://etcd-3:2380'] },
        { ID: '3', name: 'etcd-2', peerURLs: ['http://etcd-2:2380'], clientURLs: ['http://etcd-2:2379'] },
      ],
    });
    assert.deepEqual(startedMembers(list), ['etcd-1', 'etcd-2']);
    assert.deepEqual(startedMembers('not json'), []);
    assert.deepEqual(startedMembers('{}'), []);
  });
});
