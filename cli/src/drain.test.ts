import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiResponse } from './api-get.js';
import { drainNode, planDrain, type DrainPod } from './drain.js';

const pod = (
  name: string,
  extra: Partial<DrainPod['metadata']> = {},
  spec: DrainPod['spec'] = {},
  phase = 'Running',
): DrainPod => ({
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    ownerReferences: [{ kind: 'ReplicaSet', controller: true }],
    ...extra,
  },
  spec,
  status: { phase },
});

describe('drain plan', () => {
  it('ignores DaemonSet and mirror pods, deletes emptyDir pods, refuses unmanaged ones without force', () => {
    const pods = [
      pod('web'),
      pod('ds', { ownerReferences: [{ kind: 'DaemonSet', controller: true }] }),
      pod('mirror', { annotations: { 'kubernetes.io/config.mirror': 'x' } }),
      pod('cache', {}, { volumes: [{ emptyDir: {} }] }),
      pod('bare', { ownerReferences: [] }),
      pod('done', { ownerReferences: [] }, {}, 'Succeeded'),
    ];
    const plan = planDrain(pods);
    assert.deepEqual(
      plan.evict.map((p) => p.metadata.name),
      ['web', 'cache', 'bare', 'done'],
    );
    assert.deepEqual(plan.warnings, [
      'ignoring DaemonSet-managed Pods: default/ds',
      'deleting Pods with local storage: default/cache',
    ]);
    assert.deepEqual(plan.errors, [
      'cannot delete Pods that declare no controller (use --force to override): default/bare',
    ]);
    assert.deepEqual(planDrain(pods, true).errors, []);
    assert.match(planDrain(pods, true).warnings.join('\n'), /deleting Pods that declare no controller: default\/bare/);
  });
});

describe('drainNode', () => {
  it('cordons, evicts (retrying a budget refusal), waits for the pods to go', async () => {
    const calls: string[] = [];
    const log: string[] = [];
    let node = { metadata: { name: 'n1' }, spec: {} as { unschedulable?: boolean } };
    let refusals = 1;
    const gone = new Set<string>();
    const call = async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
      calls.push(`${method} ${path}`);
      if (path === '/api/v1/nodes/n1') {
        if (method === 'PUT') node = body as typeof node;
        return { status: 200, body: node };
      }
      if (path.startsWith('/api/v1/pods?')) return { status: 200, body: { items: [pod('a'), pod('b')] } };
      const m = /pods\/(\w+)(\/eviction)?$/.exec(path)!;
      if (m[2]) {
        if (m[1] === 'b' && refusals-- > 0)
          return {
            status: 429,
            body: { message: "Cannot evict pod as it would violate the pod's disruption budget." },
          };
        gone.add(m[1]!);
        return { status: 201, body: {} };
      }
      return gone.has(m[1]!) ? { status: 404, body: {} } : { status: 200, body: pod(m[1]!) };
    };
    await drainNode(call, 'n1', {
      deadline: Number.POSITIVE_INFINITY,
      log: (l) => log.push(l),
      sleep: async () => undefined,
    });
    assert.equal(node.spec.unschedulable, true);
    assert.equal(calls.filter((c) => c.endsWith('/pods/b/eviction')).length, 2);
    assert.deepEqual(log, [
      'node/n1 cordoned',
      'evicting pod default/a',
      'evicting pod default/b',
      'error when evicting pods/"b" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.',
      'pod/a evicted',
      'pod/b evicted',
      'node/n1 drained',
    ]);
  });

  it("deletes evicted pods at once (grace 0) when the node's kubelet is gone", async () => {
    const deletes: unknown[] = [];
    const gone = new Set<string>();
    const call = async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
      if (path === '/api/v1/nodes/n1')
        return { status: 200, body: { metadata: { name: 'n1' }, spec: { unschedulable: true } } };
      if (path.startsWith('/api/v1/pods?')) return { status: 200, body: { items: [pod('a')] } };
      if (path.endsWith('/eviction')) return { status: 201, body: {} };
      if (method === 'DELETE') {
        deletes.push(body);
        gone.add('a');
        return { status: 200, body: {} };
      }
      return gone.has('a') ? { status: 404, body: {} } : { status: 200, body: pod('a') };
    };
    await drainNode(call, 'n1', {
      kubeletGone: true,
      deadline: Date.now() + 5000,
      log: () => undefined,
      sleep: async () => undefined,
    });
    assert.deepEqual(deletes, [
      { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: 'uid-a' } },
    ]);
  });
});
