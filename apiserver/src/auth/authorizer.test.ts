import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { type Attributes, forbidden, pathAttributes, resourceAttributes } from './attributes.js';
import { authorizeOrThrow, chainAuthorizers, mastersAuthorizer } from './authorizer.js';
import { nodeAuthorizer } from './node-authorizer.js';
import { BINDINGS, COMPONENT_USERS, ROLES } from './policy.js';
import { policyAuthorizer } from './rules.js';
import { ADMIN_USER, ANONYMOUS_USER, GROUPS, type UserInfo } from './user.js';

const component = (name: string): UserInfo => ({ name, groups: [GROUPS.authenticated] });
const node = (name: string): UserInfo => ({
  name: `system:node:${name}`,
  groups: [GROUPS.nodes, GROUPS.authenticated],
});
const bootstrapper: UserInfo = {
  name: 'system:bootstrap:abcdef',
  groups: [GROUPS.bootstrappers, GROUPS.authenticated],
};

const pods: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      nodeName: 'n1',
      containers: [{ name: 'c', image: 'x', envFrom: [{ secretRef: { name: 'web-env' } }] }],
      volumes: [
        { name: 'cfg', configMap: { name: 'web-cfg' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
      ],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      nodeName: 'n2',
      containers: [
        { name: 'c', image: 'x', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db-pass', key: 'p' } } }] },
      ],
    },
  },
];
const graph = {
  podsOnNode: async (n: string, ns: string) =>
    pods.filter((p) => p.metadata.namespace === ns && (p.spec as { nodeName?: string }).nodeName === n),
};
const authz = chainAuthorizers(mastersAuthorizer, nodeAuthorizer(graph), policyAuthorizer(ROLES, BINDINGS));

const res = (user: UserInfo, verb: string, resource: string, more: Partial<Attributes> = {}): Attributes =>
  resourceAttributes(user, verb, { resource, ...more });
async function allowed(a: Attributes): Promise<boolean> {
  return (await authz.authorize(a)).decision === 'allow';
}
async function refusal(a: Attributes): Promise<ApiError> {
  try {
    await authorizeOrThrow(authz, a);
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return err;
  }
  assert.fail(`expected ${a.user.name} to be refused ${a.verb} ${a.resource}`);
}

describe('403 messages (upstream wording)', () => {
  it('namespaced, cluster-scoped, subresource, named, non-resource', () => {
    const u = component('jane');
    assert.equal(
      forbidden(res(u, 'list', 'pods', { namespace: 'y' })).message,
      'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "y"',
    );
    assert.equal(
      forbidden(res(u, 'get', 'nodes', { name: 'n1' })).message,
      'nodes "n1" is forbidden: User "jane" cannot get resource "nodes" in API group "" at the cluster scope',
    );
    assert.equal(
      forbidden(res(u, 'create', 'pods', { subresource: 'exec', namespace: 'd', name: 'p' })).message,
      'pods "p" is forbidden: User "jane" cannot create resource "pods/exec" in API group "" in the namespace "d"',
    );
    const apps = forbidden(res(u, 'delete', 'deployments', { apiGroup: 'apps', namespace: 'd', name: 'w' }));
    assert.equal(
      apps.message,
      'deployments.apps "w" is forbidden: User "jane" cannot delete resource "deployments" in API group "apps" in the namespace "d"',
    );
    assert.deepEqual(apps.details, { group: 'apps', kind: 'deployments', name: 'w' });
    assert.equal(apps.reason, 'Forbidden');
    assert.equal(apps.toStatus().code, 403);
    assert.equal(
      forbidden(pathAttributes(u, 'get', '/metrics')).message,
      'forbidden: User "jane" cannot get path "/metrics"',
    );
    assert.equal(
      forbidden(res(u, 'get', 'secrets', { namespace: 'd', name: 's' }), 'no relationship found').message.endsWith(
        'in the namespace "d": no relationship found',
      ),
      true,
    );
  });
});

describe('the policy table', () => {
  it('system:masters may do everything', async () => {
    assert.ok(await allowed(res(ADMIN_USER, 'deletecollection', 'secrets', { namespace: 'kube-system' })));
    assert.ok(await allowed(pathAttributes(ADMIN_USER, 'get', '/metrics')));
  });
  it('everyone authenticated: discovery, /version, /healthz, selfsubjectaccessreviews; anonymous: health and version only', async () => {
    const u = component('jane');
    for (const p of ['/api', '/apis', '/apis/apps/v1', '/version', '/healthz', '/readyz/etcd', '/openapi/v2'])
      assert.ok(await allowed(pathAttributes(u, 'get', p)), p);
    assert.ok(await allowed(res(u, 'create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' })));
    assert.equal(await allowed(res(u, 'list', 'pods', { namespace: 'default' })), false);
    assert.ok(await allowed(pathAttributes(ANONYMOUS_USER, 'get', '/healthz')));
    assert.ok(await allowed(pathAttributes(ANONYMOUS_USER, 'get', '/version')));
    assert.equal(await allowed(pathAttributes(ANONYMOUS_USER, 'get', '/api')), false);
    assert.equal(await allowed(pathAttributes(u, 'get', '/metrics')), false);
  });
  it('the scheduler binds and reads what it schedules by, never Secrets', async () => {
    const s = component(COMPONENT_USERS.scheduler);
    assert.ok(await allowed(res(s, 'create', 'pods', { subresource: 'binding', namespace: 'd', name: 'p' })));
    assert.ok(await allowed(res(s, 'watch', 'nodes')));
    assert.ok(await allowed(res(s, 'update', 'pods', { subresource: 'status', namespace: 'd', name: 'p' })));
    assert.ok(await allowed(res(s, 'update', 'persistentvolumes', { name: 'pv1' })));
    assert.ok(
      await allowed(
        res(s, 'update', 'leases', {
          apiGroup: 'coordination.k8s.io',
          namespace: 'kube-system',
          name: 'kube-scheduler',
        }),
      ),
    );
    assert.equal(
      await allowed(
        res(s, 'update', 'leases', {
          apiGroup: 'coordination.k8s.io',
          namespace: 'kube-system',
          name: 'kube-controller-manager',
        }),
      ),
      false,
    );
    assert.equal(await allowed(res(s, 'create', 'pods', { namespace: 'd' })), false);
    const e = await refusal(res(s, 'list', 'secrets', { namespace: 'default' }));
    assert.equal(
      e.message,
      'secrets is forbidden: User "system:kube-scheduler" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
  });
  it("the controller-manager holds the union of the controllers' roles", async () => {
    const c = component(COMPONENT_USERS.controllerManager);
    for (const [verb, resource, apiGroup] of [
      ['create', 'pods', ''],
      ['create', 'replicasets', 'apps'],
      ['update', 'deployments', 'apps'],
      ['delete', 'pods', ''],
      ['create', 'jobs', 'batch'],
      ['create', 'endpointslices', 'discovery.k8s.io'],
      ['list', 'secrets', ''],
    ] as const) {
      assert.ok(await allowed(res(c, verb, resource, { apiGroup, namespace: 'd' })), `${verb} ${resource}`);
    }
    assert.equal(await allowed(res(c, 'create', 'deployments', { apiGroup: 'apps', namespace: 'd' })), false);
    assert.equal(await allowed(res(c, 'create', 'pods', { subresource: 'exec', namespace: 'd', name: 'p' })), false);
    assert.equal(await allowed(res(c, 'create', 'nodes')), false);
  });
  it('kube-proxy, cluster-dns and ingress read what they serve', async () => {
    const p = component(COMPONENT_USERS.kubeProxy);
    assert.ok(await allowed(res(p, 'watch', 'endpointslices', { apiGroup: 'discovery.k8s.io' })));
    assert.equal(await allowed(res(p, 'get', 'secrets', { namespace: 'd', name: 's' })), false);
    assert.equal(await allowed(res(p, 'update', 'services', { namespace: 'd', name: 's' })), false);
    const d = component(COMPONENT_USERS.clusterDns);
    assert.ok(await allowed(res(d, 'update', 'endpoints', { namespace: 'kube-system', name: 'kube-dns' })));
    assert.equal(await allowed(res(d, 'update', 'endpoints', { namespace: 'default', name: 'web' })), false);
    assert.equal(await allowed(res(d, 'get', 'secrets', { namespace: 'kube-system', name: 's' })), false);
    const i = component(COMPONENT_USERS.ingress);
    assert.ok(await allowed(res(i, 'list', 'secrets')));
    assert.ok(
      await allowed(
        res(i, 'update', 'ingresses', {
          apiGroup: 'networking.k8s.io',
          subresource: 'status',
          namespace: 'd',
          name: 'w',
        }),
      ),
    );
    assert.equal(
      await allowed(res(i, 'update', 'ingresses', { apiGroup: 'networking.k8s.io', namespace: 'd', name: 'w' })),
      false,
    );
  });
  it('bootstrappers create and read CSRs only', async () => {
    const csr = { apiGroup: 'certificates.k8s.io' };
    assert.ok(await allowed(res(bootstrapper, 'create', 'certificatesigningrequests', csr)));
    assert.ok(await allowed(res(bootstrapper, 'get', 'certificatesigningrequests', { ...csr, name: 'x' })));
    assert.ok(
      await allowed(res(bootstrapper, 'create', 'certificatesigningrequests', { ...csr, subresource: 'nodeclient' })),
    );
    assert.equal(
      await allowed(
        res(bootstrapper, 'update', 'certificatesigningrequests', { ...csr, subresource: 'approval', name: 'x' }),
      ),
      false,
    );
    assert.equal(await allowed(res(bootstrapper, 'list', 'pods')), false);
    assert.equal(await allowed(res(bootstrapper, 'create', 'nodes')), false);
  });
});

describe('the Node authorizer', () => {
  it('reads Secrets, ConfigMaps and PVCs only of pods bound to the node', async () => {
    const n1 = node('n1');
    assert.ok(await allowed(res(n1, 'get', 'secrets', { namespace: 'default', name: 'web-env' })));
    assert.ok(await allowed(res(n1, 'get', 'configmaps', { namespace: 'default', name: 'web-cfg' })));
    assert.ok(await allowed(res(n1, 'get', 'persistentvolumeclaims', { namespace: 'default', name: 'web-data' })));
    const e = await refusal(res(n1, 'get', 'secrets', { namespace: 'default', name: 'db-pass' }));
    assert.equal(
      e.message,
      'secrets "db-pass" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object',
    );
    assert.ok(await allowed(res(node('n2'), 'get', 'secrets', { namespace: 'default', name: 'db-pass' })));
    assert.equal(await allowed(res(n1, 'list', 'secrets', { namespace: 'default' })), false);
    assert.equal(await allowed(res(n1, 'update', 'secrets', { namespace: 'default', name: 'web-env' })), false);
  });
  it('reads the graph from the cache and confirms only a refusal with a fresh read', async () => {
    const reads: boolean[] = [];
    const lagging = {
      // The cache has not seen db's bind yet; the fresh read has.
      podsOnNode: async (n: string, ns: string, fresh: boolean) => {
        reads.push(fresh);
        return fresh ? graph.podsOnNode(n, ns) : [];
      },
    };
    const a = nodeAuthorizer(lagging);
    const get = (name: string) => res(node('n2'), 'get', 'secrets', { namespace: 'default', name });
    assert.equal((await a.authorize(get('db-pass'))).decision, 'allow');
    assert.deepEqual(reads, [false, true]);
    reads.length = 0;
    const cached = nodeAuthorizer({
      podsOnNode: async (n: string, ns: string, fresh: boolean) => {
        reads.push(fresh);
        return graph.podsOnNode(n, ns);
      },
    });
    assert.equal((await cached.authorize(get('db-pass'))).decision, 'allow');
    assert.deepEqual(reads, [false], 'an allowed read costs no consistent list');
    reads.length = 0;
    assert.equal((await cached.authorize(get('other'))).decision, 'noopinion');
    assert.deepEqual(reads, [false, true]);
  });
  it('its own Lease only, in kube-node-lease', async () => {
    const lease = { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease' };
    assert.ok(await allowed(res(node('n1'), 'update', 'leases', { ...lease, name: 'n1' })));
    assert.ok(await allowed(res(node('n1'), 'create', 'leases', lease)));
    assert.equal(await allowed(res(node('n1'), 'update', 'leases', { ...lease, name: 'n2' })), false);
    assert.equal(
      await allowed(res(node('n1'), 'get', 'leases', { ...lease, namespace: 'kube-system', name: 'n1' })),
      false,
    );
  });
  it('node rules: nodes, pods/status, events, CSRs; never exec or secrets lists', async () => {
    const n1 = node('n1');
    assert.ok(await allowed(res(n1, 'watch', 'pods')));
    assert.ok(await allowed(res(n1, 'update', 'nodes', { subresource: 'status', name: 'n1' })));
    assert.ok(await allowed(res(n1, 'patch', 'pods', { subresource: 'status', namespace: 'd', name: 'p' })));
    assert.ok(await allowed(res(n1, 'create', 'events', { namespace: 'd' })));
    assert.ok(await allowed(res(n1, 'create', 'certificatesigningrequests', { apiGroup: 'certificates.k8s.io' })));
    assert.ok(
      await allowed(
        res(n1, 'create', 'certificatesigningrequests', {
          apiGroup: 'certificates.k8s.io',
          subresource: 'selfnodeclient',
        }),
      ),
    );
    assert.equal(await allowed(res(n1, 'create', 'pods', { subresource: 'exec', namespace: 'd', name: 'p' })), false);
    assert.equal(await allowed(res(n1, 'update', 'pods', { namespace: 'd', name: 'p' })), false);
    assert.equal(await allowed(res(n1, 'delete', 'namespaces', { name: 'd' })), false);
  });
  it("a system:nodes member without a node name is refused with upstream's reason", async () => {
    const e = await refusal(res({ name: 'mallory', groups: [GROUPS.nodes] }, 'get', 'nodes', { name: 'n1' }));
    assert.match(e.message, /: unknown node for user "mallory"$/);
  });
});
