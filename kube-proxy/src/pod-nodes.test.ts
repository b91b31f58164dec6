import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldLabelError, matchesFields, parseFieldSelector, type Pod } from '@kubelab/api';
import { POD_NODES_SELECTOR, PodNodes } from './pod-nodes.js';

function pod(name: string, nodeName?: string, podIP?: string, hostNetwork?: boolean): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [{ name: 'c', image: 'i' }],
      ...(nodeName ? { nodeName } : {}),
      ...(hostNetwork ? { hostNetwork } : {}),
    },
    ...(podIP ? { status: { podIP } } : {}),
  } as Pod;
}

test('the watched pods are those with an IP of their own', () => {
  const reqs = parseFieldSelector(POD_NODES_SELECTOR);
  assert.equal(fieldLabelError('pods', reqs), undefined, 'the apiserver accepts every field of it');
  assert.equal(matchesFields(reqs, pod('new')), false, 'created, not scheduled');
  assert.equal(matchesFields(reqs, pod('bound', 'n1')), false, 'scheduled, no IP yet');
  assert.equal(matchesFields(reqs, pod('running', 'n1', '10.244.0.7')), true);
  assert.equal(matchesFields(reqs, pod('host', 'n1', '172.18.0.3', true)), false, 'the node’s own address');
});

test('a pod IP maps to its node until that pod goes; a reused IP belongs to the new pod', () => {
  const nodes = new PodNodes();
  const a = pod('a', 'n1', '10.244.0.7');
  nodes.put(a);
  nodes.put(pod('b', 'n2', '10.244.0.8'));
  assert.equal(nodes.nodeOf('10.244.0.7'), 'n1');
  assert.deepEqual(Object.fromEntries(nodes.byNode()), { n1: ['10.244.0.7'], n2: ['10.244.0.8'] });
  nodes.put(pod('c', 'n2', '10.244.0.7'));
  nodes.remove(a);
  assert.equal(nodes.nodeOf('10.244.0.7'), 'n2', 'the old pod’s delete does not remove the new one');
  nodes.remove(pod('c', 'n2', '10.244.0.7'));
  assert.equal(nodes.nodeOf('10.244.0.7'), undefined);
});
