import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { Deployment, KubeObject, Pod } from '@kubelab/api';
import { newRegistry, pod } from './testing.js';
import { StoreRegistry } from './registry.js';
import { bootstrap } from './bootstrap.js';

const reason =
  (r: string, msg?: string | RegExp) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof ApiError, `not an ApiError: ${String(e)}`);
    assert.equal(e.reason, r, e.message);
    if (typeof msg === 'string') assert.equal(e.message, msg);
    else if (msg) assert.match(e.message, msg);
    return true;
  };

function deployment(name: string, replicas = 1): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } },
    },
  };
}

describe('registry: bootstrap', () => {
  it('creates the system namespaces and the kubernetes service, idempotently', async () => {
    const { registry, store } = await newRegistry();
    const ns = await registry.list('namespaces', { namespace: '' });
    assert.deepEqual(ns.items.map((n) => n.metadata.name).sort(), [
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
    ]);
    assert.equal((ns.items[0]?.status as { phase: string }).phase, 'Active');
    const svc = await registry.get('services', 'default', 'kubernetes');
    assert.equal((svc.spec as { clusterIP: string }).clusterIP, '10.244.128.1');
    const again = new StoreRegistry(store);
    await bootstrap(again);
    await bootstrap(again);
    assert.equal((await again.get('services', 'default', 'kubernetes')).metadata.uid, svc.metadata.uid);
  });

  it('creates kube-dns in kube-system on the 10th service address, without a selector (cluster-dns writes its endpoints)', async () => {
    const { registry } = await newRegistry();
    const svc = await registry.get('services', 'kube-system', 'kube-dns');
    const spec = svc.spec as {
      clusterIP: string;
      selector?: unknown;
      ports: { name: string; protocol: string; port: number }[];
    };
    assert.equal(spec.clusterIP, '10.244.128.10');
    assert.equal(spec.selector, undefined);
    assert.deepEqual(
      spec.ports.map((p) => [p.name, p.protocol, p.port]),
      [
        ['dns', 'UDP', 53],
        ['dns-tcp', 'TCP', 53],
      ],
    );
    assert.equal(svc.metadata.labels?.['k8s-app'], 'kube-dns');
    assert.equal(svc.metadata.labels?.['service.kubernetes.io/service-proxy-name'], undefined, 'kube-proxy serves it');
  });

  it('removes the old "another proxy" label from a kube-dns made by an earlier version', async () => {
    const { store, registry } = await newRegistry();
    const svc = await registry.get('services', 'kube-system', 'kube-dns');
    await registry.update('services', 'kube-system', 'kube-dns', {
      ...svc,
      metadata: {
        ...svc.metadata,
        labels: { ...svc.metadata.labels, 'service.kubernetes.io/service-proxy-name': 'cluster-dns' },
      },
    });
    const again = new StoreRegistry(store);
    await bootstrap(again);
    const labels = (await again.get('services', 'kube-system', 'kube-dns')).metadata.labels ?? {};
    assert.equal(labels['service.kubernetes.io/service-proxy-name'], undefined);
    assert.equal(labels['k8s-app'], 'kube-dns');
  });

  it('leaves kube-dns out, without failing, when a Service already holds its address', async () => {
    const { store } = await newRegistry();
    const registry = new StoreRegistry(store);
    await registry.delete('services', 'kube-system', 'kube-dns');
    await registry.create('services', 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'squatter' },
      spec: { clusterIP: '10.244.128.10', ports: [{ port: 80 }] },
    });
    await bootstrap(registry);
    await assert.rejects(registry.get('services', 'kube-system', 'kube-dns'), reason('NotFound'));
  });
});

describe('registry: create and get', () => {
  it('sets server fields, defaults, apiVersion/kind and resourceVersion', async () => {
    const { registry } = await newRegistry();
    const created = (await registry.create('pods', 'default', pod('web'))) as Pod;
    assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(created.metadata.creationTimestamp, '2024-05-01T10:00:00Z');
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.metadata.namespace, 'default');
    assert.equal(created.apiVersion, 'v1');
    assert.equal(created.kind, 'Pod');
    assert.equal(created.spec.restartPolicy, 'Always');
    assert.deepEqual(created.status, { phase: 'Pending', qosClass: 'BestEffort' });
    const got = await registry.get('pods', 'default', 'web');
    assert.deepEqual(got, created);
    assert.ok(Number(got.metadata.resourceVersion) > 0);
  });

  it('generates names from generateName', async () => {
    const { registry } = await newRegistry();
    const p = pod('');
    p.metadata = { generateName: 'web-' };
    const a = await registry.create('pods', 'default', p);
    const b = await registry.create('pods', 'default', p);
    assert.match(a.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata.name, b.metadata.name);
  });

  it('refuses duplicates, missing namespaces, terminating namespaces and mismatched namespaces', async () => {
    const { registry } = await newRegistry();
    await registry.create('pods', 'default', pod('web'));
    await assert.rejects(
      registry.create('pods', 'default', pod('web')),
      reason('AlreadyExists', 'pods "web" already exists'),
    );
    await assert.rejects(registry.create('pods', 'nope', pod('x')), reason('NotFound', 'namespaces "nope" not found'));
    const p = pod('x');
    p.metadata.namespace = 'other';
    await assert.rejects(
      registry.create('pods', 'default', p),
      reason('BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'),
    );
    await registry.create('namespaces', '', { metadata: { name: 'dying' } });
    await registry.create('pods', 'dying', pod('bound', {}, { nodeName: 'n1' }));
    await registry.delete('namespaces', '', 'dying');
    await assert.rejects(
      registry.create('pods', 'dying', pod('y')),
      reason(
        'Forbidden',
        'pods "y" is forbidden: unable to create new content in namespace dying because it is being terminated',
      ),
    );
    await assert.rejects(
      registry.create('deployments', 'default', {
        ...deployment('d'),
        spec: { ...deployment('d').spec, selector: { matchLabels: { app: 'other' } } },
      }),
      reason('Invalid', /^Deployment\.apps "d" is invalid: spec\.template\.metadata\.labels/),
    );
    await assert.rejects(registry.get('pods', 'default', 'missing'), reason('NotFound', 'pods "missing" not found'));
    await assert.rejects(
      registry.get('deployments', 'default', 'missing'),
      reason('NotFound', 'deployments.apps "missing" not found'),
    );
    await assert.rejects(registry.get('widgets', 'default', 'x'), reason('NotFound'));
    await registry.close();
  });

  it('stores cluster-scoped objects without a namespace and supports dry-run', async () => {
    const { registry } = await newRegistry();
    const node = await registry.create('nodes', 'ignored', {
      metadata: { name: 'n1', namespace: 'x' },
      status: { capacity: { cpu: '2' } },
    });
    assert.equal(node.metadata.namespace, undefined);
    assert.deepEqual(node.status, { capacity: { cpu: '2' } });
    const dry = await registry.create('pods', 'default', pod('dry'), { dryRun: true });
    assert.equal(dry.metadata.name, 'dry');
    await assert.rejects(registry.get('pods', 'default', 'dry'), reason('NotFound'));
  });
});

describe('registry: list', () => {
  it('filters by namespace, labels and fields', async () => {
    const { registry } = await newRegistry();
    await registry.create('namespaces', '', { metadata: { name: 'dev' } });
    await registry.create('pods', 'default', pod('a', { app: 'web', tier: 'fe' }));
    await registry.create('pods', 'default', pod('b', { app: 'db' }, { nodeName: 'n1' }));
    await registry.create('pods', 'dev', pod('c', { app: 'web' }));
    const names = async (q: Record<string, string>): Promise<string[]> =>
      (await registry.list('pods', { namespace: '', ...q })).items.map(
        (p) => `${p.metadata.namespace}/${p.metadata.name}`,
      );
    assert.deepEqual(await names({}), ['default/a', 'default/b', 'dev/c']);
    assert.deepEqual(await names({ namespace: 'default' }), ['default/a', 'default/b']);
    assert.deepEqual(await names({ labelSelector: 'app=web' }), ['default/a', 'dev/c']);
    assert.deepEqual(await names({ labelSelector: 'app in (web,db),!tier' }), ['default/b', 'dev/c']);
    assert.deepEqual(await names({ fieldSelector: 'spec.nodeName=n1' }), ['default/b']);
    assert.deepEqual(await names({ fieldSelector: 'metadata.namespace!=default' }), ['dev/c']);
    await assert.rejects(registry.list('pods', { namespace: '', labelSelector: 'a b c' }), reason('BadRequest'));
  });

  it('paginates with limit and continue on one consistent revision', async () => {
    const { registry } = await newRegistry();
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5'])
      await registry.create('pods', 'default', pod(n, { keep: n === 'p3' ? 'no' : 'yes' }));
    const first = await registry.list('pods', { namespace: 'default', limit: 2, labelSelector: 'keep=yes' });
    assert.deepEqual(
      first.items.map((p) => p.metadata.name),
      ['p1', 'p2'],
    );
    assert.notEqual(first.continue, '');
    await registry.delete('pods', 'default', 'p4');
    await registry.create('pods', 'default', pod('p6', { keep: 'yes' }));
    const second = await registry.list('pods', {
      namespace: 'default',
      limit: 2,
      labelSelector: 'keep=yes',
      continue: first.continue,
    });
    assert.deepEqual(
      second.items.map((p) => p.metadata.name),
      ['p4', 'p5'],
    );
    assert.equal(second.resourceVersion, first.resourceVersion);
    assert.equal(second.continue, '');
    await assert.rejects(registry.list('pods', { namespace: 'default', continue: 'garbage' }), reason('BadRequest'));
  });

  it('reports an expired continue token once the revision is compacted', async () => {
    const { registry, store } = await newRegistry();
    for (const n of ['p1', 'p2', 'p3']) await registry.create('pods', 'default', pod(n));
    const first = await registry.list('pods', { namespace: 'default', limit: 1 });
    await registry.create('pods', 'default', pod('p4'));
    await store.compact(await store.currentRevision());
    await assert.rejects(
      registry.list('pods', { namespace: 'default', limit: 1, continue: first.continue }),
      reason('Expired', /^The provided continue parameter is too old/),
    );
  });
});

describe('registry: update', () => {
  it('does compare-and-swap on resourceVersion and reports upstream conflicts', async () => {
    const { registry } = await newRegistry();
    const d1 = await registry.create('deployments', 'default', deployment('web'));
    const d2 = await registry.update('deployments', 'default', 'web', {
      ...d1,
      metadata: { ...d1.metadata, labels: { a: 'b' } },
    });
    assert.notEqual(d2.metadata.resourceVersion, d1.metadata.resourceVersion);
    await assert.rejects(
      registry.update('deployments', 'default', 'web', d1),
      reason(
        'Conflict',
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
      ),
    );
    const { resourceVersion: _drop, ...meta } = d1.metadata;
    const d3 = await registry.update('deployments', 'default', 'web', { ...d1, metadata: meta });
    assert.equal(d3.metadata.labels, undefined);
  });

  it('keeps uid, creationTimestamp and status, bumps generation only on spec changes', async () => {
    const { registry } = await newRegistry();
    const d = (await registry.create('deployments', 'default', deployment('web'))) as Deployment;
    const withStatus = (await registry.updateStatus('deployments', 'default', 'web', {
      ...d,
      status: { replicas: 3 },
    })) as Deployment;
    assert.equal(withStatus.metadata.generation, 1);
    const relabeled = (await registry.update('deployments', 'default', 'web', {
      ...withStatus,
      metadata: { ...withStatus.metadata, uid: undefined, creationTimestamp: 'x', labels: { x: 'y' } },
      status: { replicas: 99 },
    })) as Deployment;
    assert.equal(relabeled.metadata.generation, 1);
    assert.equal(relabeled.metadata.uid, d.metadata.uid);
    assert.equal(relabeled.metadata.creationTimestamp, d.metadata.creationTimestamp);
    assert.deepEqual(relabeled.status, { replicas: 3 });
    const scaled = (await registry.update('deployments', 'default', 'web', {
      ...relabeled,
      spec: { ...relabeled.spec, replicas: 5 },
    })) as Deployment;
    assert.equal(scaled.metadata.generation, 2);
    assert.equal(scaled.spec.replicas, 5);
    const same = await registry.update('deployments', 'default', 'web', scaled);
    assert.equal(same.metadata.resourceVersion, scaled.metadata.resourceVersion, 'a no-op update does not write');
  });

  it('updateStatus changes only status', async () => {
    const { registry } = await newRegistry();
    const p = await registry.create('pods', 'default', pod('web'));
    const upd = await registry.updateStatus('pods', 'default', 'web', {
      ...p,
      metadata: { ...p.metadata, labels: { sneaky: 'yes' } },
      spec: { containers: [] },
      status: { phase: 'Running' },
    });
    assert.deepEqual(upd.status, { phase: 'Running' });
    assert.deepEqual(upd.metadata.labels, {});
    assert.deepEqual(upd.spec, p.spec);
    await assert.rejects(registry.updateStatus('pods', 'default', 'web', p), reason('Conflict'));
  });

  it('validates updates, rejects name and uid mismatches, creates on update where allowed', async () => {
    const { registry } = await newRegistry();
    const p = await registry.create('pods', 'default', pod('web'));
    await assert.rejects(
      registry.update('pods', 'default', 'web', { ...p, spec: { ...(p.spec as object), nodeName: 'n2' } }),
      reason('Invalid', /^Pod "web" is invalid: spec: Forbidden: pod updates may not change fields/),
    );
    await assert.rejects(
      registry.update('pods', 'default', 'other', p),
      reason('BadRequest', 'the name of the object (web) does not match the name on the URL (other)'),
    );
    await assert.rejects(
      registry.update('pods', 'default', 'web', {
        ...p,
        metadata: { ...p.metadata, uid: 'u-1', resourceVersion: undefined },
      }),
      reason('Conflict', /Precondition failed: UID in precondition: u-1/),
    );
    await assert.rejects(registry.update('pods', 'default', 'ghost', { ...pod('ghost') }), reason('NotFound'));
    const lease = await registry.update('leases', 'kube-node-lease', 'n1', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'n1' },
      spec: { holderIdentity: 'n1' },
    });
    assert.equal(lease.metadata.namespace, 'kube-node-lease');
    assert.ok(lease.metadata.uid);
  });
});

describe('registry: bind', () => {
  it('sets nodeName once, is idempotent for the same node, conflicts for another', async () => {
    const { registry } = await newRegistry();
    const p = await registry.create('pods', 'default', pod('web'));
    const bound = (await registry.bind('default', 'web', 'n1', p.metadata.uid)) as Pod;
    assert.equal(bound.spec.nodeName, 'n1');
    assert.equal(
      (await registry.bind('default', 'web', 'n1')).metadata.resourceVersion,
      bound.metadata.resourceVersion,
    );
    await assert.rejects(
      registry.bind('default', 'web', 'n2'),
      reason(
        'Conflict',
        'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "n1"',
      ),
    );
    await assert.rejects(registry.bind('default', 'missing', 'n1'), reason('NotFound', 'pods "missing" not found'));
    await registry.create('pods', 'default', pod('other'));
    await assert.rejects(
      registry.bind('default', 'other', 'n1', 'wrong-uid'),
      reason('Conflict', /Precondition failed: UID in precondition: wrong-uid/),
    );
  });
});

export type { KubeObject };
