import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import type { Lease, Node, Pod } from '@kubelab/api';
import type { KubeletApi } from './api.js';
import { loadConfig } from './config.js';
import { hollowNodeNames, runHollowKubelets } from './hollow.js';
import { TestApi, FakePods, ManualClock, makePod, silentLogger } from './testing/fakes.js';

/** Only what KubeletApi promises (TestApi's synchronous list() is not the ApiClient's list). */
function narrow(api: TestApi): KubeletApi {
  return {
    get: (r, ns, n) => api.get(r, ns, n),
    create: (r, o, ns) => api.create(r, o, ns),
    update: (r, o) => api.update(r, o),
    updateStatus: (r, o) => api.updateStatus(r, o),
    delete: (r, ns, n, o) => api.delete(r, ns, n, o),
  };
}

const ready = (p: Pod | undefined): boolean =>
  (p?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Lets the kubelets' promise chains run until `done` holds (no timers, no sleeps). */
async function until(what: string, done: () => boolean, rounds = 20_000): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (done()) return;
    await tick();
  }
  assert.fail(`not reached: ${what}`);
}

describe('hollow kubelets', () => {
  it('names nodes <base>-i, or uses the base alone without a count', () => {
    assert.deepEqual(hollowNodeNames({ nodeName: 'hn', hollowNodes: 3 }, 'x'), ['hn-0', 'hn-1', 'hn-2']);
    assert.deepEqual(hollowNodeNames({ nodeName: '', hollowNodes: 0 }, 'abc_DEF'), ['hollow-abc-def']);
  });

  it('selects the hollow runtime by flag or environment, and rejects unknown ones', () => {
    assert.equal(loadConfig({}).runtime, 'docker');
    assert.equal(loadConfig({ KUBELAB_RUNTIME: 'hollow' }).runtime, 'hollow');
    assert.equal(loadConfig({}, ['--runtime=hollow']).runtime, 'hollow');
    assert.equal(loadConfig({ KUBELAB_RUNTIME: 'hollow' }, ['--runtime', 'docker']).runtime, 'docker');
    assert.throws(
      () => loadConfig({ KUBELAB_RUNTIME: 'containerd' }),
      /KUBELAB_RUNTIME: Unsupported value: "containerd"/,
    );
    assert.throws(() => loadConfig({ KUBELAB_HOLLOW_NODES: '-1' }), /KUBELAB_HOLLOW_NODES/);
  });

  it('registers N nodes with leases in one process and runs their pods to Ready with unique fake IPs', async () => {
    const cfg = loadConfig({
      KUBELAB_RUNTIME: 'hollow',
      KUBELAB_HOLLOW_NODES: '3',
      KUBELAB_NODE_NAME: 'hn',
      KUBELAB_HOLLOW_POD_RANGE: '10.201.0.0/24',
      KUBELAB_CLUSTER: 'c',
      KUBELAB_NETWORK: 'net',
    });
    const api = new TestApi();
    const sources = new Map<string, FakePods>();
    const ac = new AbortController();
    const run = runHollowKubelets(
      {
        cfg,
        api: narrow(api),
        clock: new ManualClock(),
        log: silentLogger(),
        hostname: 'host',
        interfaces: {
          eth0: [
            {
              address: '10.9.0.2',
              netmask: '255.255.0.0',
              family: 'IPv4',
              mac: '02:00:00:00:00:01',
              internal: false,
              cidr: '10.9.0.2/16',
            },
          ],
        },
        newPodSource: (node) => {
          const s = new FakePods(api, node);
          sources.set(node, s);
          return s;
        },
      },
      ac.signal,
    );
    const names = ['hn-0', 'hn-1', 'hn-2'];
    try {
      await until('3 nodes and leases', () =>
        names.every((n) => api.peek<Node>('nodes', '', n) && api.peek<Lease>('leases', 'kube-node-lease', n)),
      );
      for (const n of names) {
        const node = api.peek<Node>('nodes', '', n)!;
        assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', `${n} Ready`);
        assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^hollow:\/\//);
      }
      const pods: Pod[] = [];
      for (const [i, n] of names.entries()) {
        for (let j = 0; j < 2; j++) {
          // Volumes no container will read: a ServiceAccount token and a ConfigMap that does not exist.
          const p = api.put(
            'pods',
            makePod(`p-${i}-${j}`, n, {
              containers: [{ name: 'web', image: 'never/pulled:anywhere' }],
              volumes: [
                {
                  name: 'token',
                  projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] },
                },
                { name: 'conf', configMap: { name: 'missing' } },
              ],
            }),
          );
          pods.push(p);
          for (const h of sources.get(n)!.handlers) h.add?.(p);
        }
      }
      const current = (): (Pod | undefined)[] => pods.map((p) => api.peek<Pod>('pods', 'default', p.metadata.name!));
      await until('6 pods Ready', () => current().every(ready));
      const ips = current().map((p) => p!.status!.podIP!);
      assert.equal(new Set(ips).size, 6, `unique IPs: ${ips.join(',')}`);
      for (const ip of ips) assert.match(ip, /^10\.201\.0\.\d+$/);
      for (const p of current()) {
        assert.equal(p!.status!.phase, 'Running');
        assert.equal(p!.status!.containerStatuses?.[0]?.state?.running !== undefined, true);
      }
      // As kwok: no volume set up (no TokenRequest, no ConfigMap read), no Normal event of a pod.
      assert.equal(
        api.calls.some((c) => c.resource === 'serviceaccounts/token' || c.resource === 'configmaps'),
        false,
      );
      await tick();
      const podEvents = api
        .objects<{ involvedObject: { kind: string }; type: string } & Pod>('events')
        .filter((e) => e.involvedObject.kind === 'Pod');
      assert.deepEqual(
        podEvents.filter((e) => e.type === 'Normal'),
        [],
      );
    } finally {
      ac.abort();
      await run;
    }
  });
});
