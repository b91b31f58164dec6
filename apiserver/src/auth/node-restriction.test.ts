import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { MemoryStore } from '../storage/memory.js';
import { StoreRegistry } from '../registry/registry.js';
import { bootstrap } from '../registry/bootstrap.js';
import { admittingRegistry } from './admission.js';
import { forbiddenNodeLabel, nodeRestriction } from './node-restriction.js';
import { GROUPS } from './user.js';

const nodeObj = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
});
const pod = (name: string, nodeName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'x' }] },
});

async function refused(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(
    p,
    (err: unknown) => err instanceof ApiError && err.reason === 'Forbidden' && err.message === message,
  );
}

describe('NodeRestriction', () => {
  const registry = new StoreRegistry(new MemoryStore());
  const as = (n: string) =>
    admittingRegistry(registry, { name: `system:node:${n}`, groups: [GROUPS.nodes] }, [nodeRestriction]);
  before(async () => {
    await bootstrap(registry);
    await registry.create('nodes', '', nodeObj('n1'));
    await registry.create('nodes', '', nodeObj('n2'));
    await registry.create('pods', 'default', pod('mine', 'n1'));
    await registry.create('pods', 'default', pod('theirs', 'n2'));
  });
  after(() => registry.close());

  it('a node writes its own Node, never another', async () => {
    const n1 = await registry.get('nodes', '', 'n1');
    await as('n1').update('nodes', '', 'n1', {
      ...n1,
      metadata: { ...n1.metadata, labels: { 'kubernetes.io/hostname': 'n1', 'example.com/x': 'y' } },
    });
    const n2 = await registry.get('nodes', '', 'n2');
    await refused(
      as('n1').update('nodes', '', 'n2', n2),
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
    );
    await refused(
      as('n1').updateStatus('nodes', '', 'n2', n2),
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
    );
    await refused(
      as('n1').create('nodes', '', nodeObj('n3')),
      'nodes "n3" is forbidden: node "n1" is not allowed to modify node "n3"',
    );
  });
  it('cannot set labels that steer workloads, nor change its taints', async () => {
    const n1 = await registry.get('nodes', '', 'n1');
    await refused(
      as('n1').update('nodes', '', 'n1', {
        ...n1,
        metadata: { ...n1.metadata, labels: { 'node-restriction.kubernetes.io/pci': 'yes' } },
      }),
      'nodes "n1" is forbidden: node "n1" is not allowed to modify labels: node-restriction.kubernetes.io/pci',
    );
    const tainted = await as('n1').update('nodes', '', 'n1', {
      ...n1,
      spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] },
    });
    await refused(
      as('n1').update('nodes', '', 'n1', { ...tainted, spec: { taints: [] } }),
      'nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
    );
    await refused(
      as('n1').update('nodes', '', 'n1', { ...tainted, spec: { taints: [{ key: 'k', effect: 'NoExecute' }] } }),
      'nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
    );
    await registry.delete('nodes', '', 'n1');
    await refused(
      as('n1').create('nodes', '', nodeObj('n1', { 'node-role.kubernetes.io/control-plane': '' })),
      'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-role.kubernetes.io/control-plane',
    );
    await as('n1').create(
      'nodes',
      '',
      nodeObj('n1', { 'kubernetes.io/arch': 'amd64', 'node.kubernetes.io/exclude-from-external-load-balancers': '' }),
    );
    assert.equal(forbiddenNodeLabel('kubelet.kubernetes.io/x'), false);
    assert.equal(forbiddenNodeLabel('sub.k8s.io/x'), true);
    assert.equal(forbiddenNodeLabel('plain'), false);
  });
  it('status of and deletes pods bound to it only; creates mirror pods only', async () => {
    const mine = await registry.get('pods', 'default', 'mine');
    await as('n1').updateStatus('pods', 'default', 'mine', { ...mine, status: { phase: 'Running' } });
    const theirs = await registry.get('pods', 'default', 'theirs');
    await refused(
      as('n1').updateStatus('pods', 'default', 'theirs', { ...theirs, status: { phase: 'Failed' } }),
      'pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    );
    await refused(
      as('n1').delete('pods', 'default', 'theirs'),
      'pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself',
    );
    await refused(
      as('n1').create('pods', 'default', pod('new', 'n1')),
      'pods "new" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
    );
    await as('n1').delete('pods', 'default', 'mine', { gracePeriodSeconds: 0 });
  });
  it('its own Lease only', async () => {
    const lease = (name: string): KubeObject => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease' },
      spec: { holderIdentity: name },
    });
    await as('n1').create('leases', 'kube-node-lease', lease('n1'));
    await refused(
      as('n1').create('leases', 'kube-node-lease', lease('n2')),
      'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
    );
  });
  it('leaves other users alone', async () => {
    const admin = admittingRegistry(registry, { name: 'kubernetes-admin', groups: [GROUPS.masters] }, [
      nodeRestriction,
    ]);
    const theirs = await admin.get('pods', 'default', 'theirs');
    await admin.updateStatus('pods', 'default', 'theirs', { ...theirs, status: { phase: 'Running' } });
  });
});
