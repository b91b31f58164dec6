import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeOptionError, nodeAddSpec } from './node-options.js';
import { nodeNameOf } from './node-delete.js';

describe('node add options', () => {
  it("become the kubelet's environment", () => {
    const s = nodeAddSpec({
      name: 'gpu-1',
      cpu: '2',
      memory: '4Gi',
      labels: 'disk=ssd,zone=a',
      taints: 'gpu=true:NoSchedule',
    });
    assert.equal(s.name, 'gpu-1');
    assert.deepEqual(s.env, {
      KUBELAB_NODE_CPU: '2',
      KUBELAB_NODE_MEMORY: '4Gi',
      KUBELAB_NODE_LABELS: 'disk=ssd,zone=a',
      KUBELAB_NODE_TAINTS: 'gpu=true:NoSchedule',
    });
    assert.deepEqual(nodeAddSpec({}).env, {});
  });
  it('reject bad values with the option named', () => {
    const bad = (o: Parameters<typeof nodeAddSpec>[0], re: RegExp) =>
      assert.throws(
        () => nodeAddSpec(o),
        (e: Error) => e instanceof NodeOptionError && re.test(e.message),
      );
    bad({ name: 'Node_1' }, /^--name: Invalid value: "Node_1": a lowercase RFC 1123 subdomain/);
    bad({ cpu: 'two' }, /^--cpu: Invalid value: "two": quantities must match/);
    bad({ memory: '0' }, /^--memory: Invalid value: "0": must be greater than zero/);
    bad({ labels: 'disk' }, /^--labels: invalid label "disk": malformed pair/);
    bad({ taints: 'gpu=true' }, /^--taints: invalid taint spec: gpu=true$/);
    bad({ taints: 'gpu:Always' }, /^--taints: invalid taint effect: Always, unsupported taint effect$/);
  });
  it('--hollow N: the hollow runtime with N nodes, labelled kubelab.io/hollow=true', () => {
    const s = nodeAddSpec({ name: 'sim', hollow: '50', labels: 'zone=b' });
    assert.equal(s.hollow, 50);
    assert.deepEqual(s.labels, { zone: 'b', 'kubelab.io/hollow': 'true' });
    assert.deepEqual(s.env, {
      KUBELAB_NODE_LABELS: 'zone=b,kubelab.io/hollow=true',
      KUBELAB_RUNTIME: 'hollow',
      KUBELAB_HOLLOW_NODES: '50',
    });
    assert.equal(nodeAddSpec({}).hollow, undefined);
    for (const v of ['0', '-1', '2.5', 'many', '1001'])
      assert.throws(
        () => nodeAddSpec({ hollow: v }),
        (e: Error) =>
          e instanceof NodeOptionError &&
          e.message === `--hollow: Invalid value: "${v}": must be a whole number of nodes from 1 to 1000`,
      );
  });
  it("name a kubelet container's node as the kubelet does", () => {
    assert.equal(nodeNameOf('kubelab_kubelet_2'), 'kubelab-kubelet-2');
    assert.equal(nodeNameOf('/lab-node-1'), 'lab-node-1');
  });
});
