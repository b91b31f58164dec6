import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Node, Pod } from '@kubelab/api';
import { MemoryEventRecorder } from '@kubelab/client/events';
import { DaemonSetController } from './daemonset.js';
import { REVISION_LABEL, targetNode } from './daemonset-nodes.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { makePodsReady, silentLog } from '../testing/fixtures.js';

function setup() {
  const api = new InProcessApi();
  const daemonsets = new FakeCache<DaemonSet>(api, 'daemonsets');
  const pods = new FakeCache<Pod>(api, 'pods');
  const nodes = new FakeCache<Node>(api, 'nodes');
  const queue = new ManualQueue();
  const recorder = new MemoryEventRecorder();
  const ctrl = new DaemonSetController({
    api,
    daemonsets,
    pods,
    nodes,
    queue,
    recorder,
    clock: api.clock,
    log: silentLog,
  });
  return { api, queue, recorder, settle: () => drain([{ ctrl, queue }]) };
}

function node(name: string, labels: Record<string, string> = {}, ready = true, extra: Node['spec'] = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    spec: extra,
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function ds(name: string, nodeSelector?: Record<string, string>, image = 'nginx:1'): DaemonSet {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default', generation: 1 },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'c', image }], ...(nodeSelector ? { nodeSelector } : {}) },
      },
    },
  };
}

/** A fake scheduler: bind every pod to the node its affinity names. */
async function bind(api: InProcessApi): Promise<void> {
  for (const p of api.objects<Pod>('pods')) {
    if (p.spec.nodeName || p.metadata.deletionTimestamp) continue;
    await api.bind('default', p.metadata.name!, targetNode(p)!);
  }
}

const live = (api: InProcessApi): Pod[] => api.objects<Pod>('pods').filter((p) => !p.metadata.deletionTimestamp);

test('one pod per Ready schedulable node matching nodeSelector, pinned by node affinity', async () => {
  const { api, settle } = setup();
  await api.create('nodes', node('n1', { disk: 'ssd' }));
  await api.create('nodes', node('n2', { disk: 'ssd' }));
  await api.create('nodes', node('n3', {}));
  await api.create('nodes', node('n4', { disk: 'ssd' }, false));
  await api.create('nodes', node('n5', { disk: 'ssd' }, true, { unschedulable: true }));
  await api.create('daemonsets', ds('agent', { disk: 'ssd' }));
  await settle();
  const pods = live(api);
  assert.deepEqual(pods.map(targetNode).sort(), ['n1', 'n2']);
  const aff = pods[0]!.spec['affinity'] as {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: unknown };
  };
  assert.deepEqual(aff.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [targetNode(pods[0]!)] }] }],
  });
  assert.equal(pods[0]!.spec.nodeName, undefined, 'the scheduler binds');
  assert.ok((pods[0]!.spec['tolerations'] as { key: string }[]).some((t) => t.key === 'node.kubernetes.io/not-ready'));
  await bind(api);
  await makePodsReady(api);
  await settle();
  const s = api.peek<DaemonSet>('daemonsets', 'default', 'agent')!.status!;
  assert.deepEqual(
    [
      s.desiredNumberScheduled,
      s.currentNumberScheduled,
      s.numberReady,
      s.updatedNumberScheduled,
      s.numberAvailable,
      s.numberMisscheduled,
    ],
    [2, 2, 2, 2, 2, 0],
  );
  // A new matching node gets a pod; a node losing its label loses it.
  await api.create('nodes', node('n6', { disk: 'ssd' }));
  const n1 = api.peek<Node>('nodes', '', 'n1')!;
  await api.update('nodes', { ...n1, metadata: { ...n1.metadata, labels: { 'kubernetes.io/hostname': 'n1' } } });
  await settle();
  assert.deepEqual(live(api).map(targetNode).sort(), ['n2', 'n6']);
});

test('rolling update replaces pods one node at a time', async () => {
  const { api, settle } = setup();
  for (const n of ['n1', 'n2', 'n3']) await api.create('nodes', node(n));
  await api.create('daemonsets', ds('agent'));
  await settle();
  await bind(api);
  await makePodsReady(api);
  await settle();
  const cur = api.peek<DaemonSet>('daemonsets', 'default', 'agent')!;
  await api.update('daemonsets', {
    ...cur,
    spec: { ...cur.spec, template: { ...cur.spec.template, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } },
  });
  await settle();
  const deleting = api.objects<Pod>('pods').filter((p) => p.metadata.deletionTimestamp);
  assert.equal(deleting.length, 1, 'maxUnavailable 1');
  for (let round = 0; round < 10; round++) {
    for (const p of api.objects<Pod>('pods').filter((x) => x.metadata.deletionTimestamp))
      await api.finishPodDeletion('default', p.metadata.name!);
    await settle();
    await bind(api);
    await makePodsReady(api);
    await settle();
  }
  const pods = live(api);
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => p.spec.containers[0]!.image === 'nginx:2'));
  assert.equal(new Set(pods.map((p) => p.metadata.labels![REVISION_LABEL])).size, 1);
});
