import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LabContainer } from './docker.js';
import { parseAddresses, runningPods } from './pod-adoption.js';

const c = (id: string, container: string, state = 'running'): LabContainer => ({
  id,
  name: id,
  labels: { 'io.kubernetes.pod.uid': 'u', 'io.kubernetes.container.name': container },
  state,
  status: '',
  image: 'i',
});

describe('pod adoption records', () => {
  it('writes down the running sandboxes apart from their apps', () => {
    assert.deepEqual(
      runningPods([
        c('p1', 'POD'),
        c('a1', 'main'),
        c('p0', 'POD', 'exited'),
        c('a0', 'main', 'exited'),
        { ...c('k', 'x'), labels: {} },
      ]),
      { sandboxes: ['p1'], apps: ['a1'] },
    );
  });
  it("reads each sandbox's address on the lab network from docker inspect", () => {
    assert.deepEqual(parseAddresses('id1 bridge=172.17.0.2 lab=10.1.0.7 \nid2 other=1.2.3.4 \n\n', 'lab'), {
      id1: { network: 'lab', ip: '10.1.0.7' },
    });
  });
});
