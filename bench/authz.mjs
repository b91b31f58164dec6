#!/usr/bin/env node
/**
 * The cost of authorization and admission per request, in process (no I/O but the in-memory
 * store): the decision for the admin (system:masters), a component (the policy table: a hit and a
 * refusal), a node reading a Secret its pod uses (the Node authorizer lists the node's pods in the
 * namespace: with 10 and 200 pods there), and NodeRestriction on a pod status write; RBAC (the
 * stored bootstrap roles and bindings, kept in memory by the apiserver's RbacCache) against the
 * static policy table it replaced, and a user's RoleBinding hit and miss with 2000 other bindings
 * stored. Prints microseconds per call (median of 5 rounds). Run: npx tsc -b && node bench/authz.mjs
 */
import { MemoryStore, StoreRegistry, bootstrap } from '@kubelab/apiserver';
import { defaultAuthorizer } from '@kubelab/apiserver/auth/defaults';
import { resourceAttributes } from '@kubelab/apiserver/auth/attributes';
import { admittingRegistry } from '@kubelab/apiserver/auth/admission';
import { nodeRestriction } from '@kubelab/apiserver/auth/node-restriction';
import { ADMIN_USER } from '@kubelab/apiserver/auth/user';
import { RbacCache } from '@kubelab/apiserver/auth/rbac/cache';
import { chainAuthorizers, mastersAuthorizer } from '@kubelab/apiserver/auth/authorizer';
import { policyAuthorizer } from '@kubelab/apiserver/auth/rules';
import { BINDINGS, ROLES } from '@kubelab/apiserver/auth/policy';

const registry = new StoreRegistry(new MemoryStore());
await bootstrap(registry);
await registry.create('namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'big' } });
const pod = (ns, name, node, secret) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'x', envFrom: [{ secretRef: { name: secret } }] }] },
});
for (let i = 0; i < 10; i++)
  await registry.create('pods', 'default', pod('default', `p${i}`, i % 2 ? 'n1' : 'n2', `s${i}`));
for (let i = 0; i < 200; i++) await registry.create('pods', 'big', pod('big', `p${i}`, i % 2 ? 'n1' : 'n2', `s${i}`));
const rbacNs = (i) => `team-${i % 50}`;
for (let i = 0; i < 50; i++)
  await registry.create('namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: rbacNs(i) } });
await registry.create('roles', 'default', {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'pod-reader', namespace: 'default' },
  rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }],
});
await registry.create('rolebindings', 'default', {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'jane', namespace: 'default' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
  subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
});
for (let i = 0; i < 2000; i++) {
  await registry.create('rolebindings', rbacNs(i), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: `b${i}`, namespace: rbacNs(i) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:aggregate-to-view' },
    subjects: [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user-${i}` },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `group-${i}` },
    ],
  });
}
const ac = new AbortController();
const cache = new RbacCache(registry);
const following = cache.run(ac.signal);
await cache.index();
const z = defaultAuthorizer(registry, cache.source);
const table = chainAuthorizers(mastersAuthorizer, policyAuthorizer(ROLES, BINDINGS));
const jane = { name: 'jane', groups: ['devs', 'system:authenticated'] };
const node = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const sched = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };

async function time(label, n, fn) {
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn(i);
    rounds.push(Number(process.hrtime.bigint() - t) / 1000 / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${label.padEnd(58)} ${rounds[2].toFixed(1).padStart(8)} µs/call`);
}

await time('admin: list pods', 20000, () => z.authorize(resourceAttributes(ADMIN_USER, 'list', { resource: 'pods' })));
const binding = (u) =>
  resourceAttributes(u, 'create', { resource: 'pods', subresource: 'binding', namespace: 'default', name: 'p' });
await time('before: scheduler create pods/binding (static table hit)', 20000, () => table.authorize(binding(sched)));
await time('before: scheduler list secrets (static table, refused)', 20000, () =>
  table.authorize(resourceAttributes(sched, 'list', { resource: 'secrets', namespace: 'default' })),
);
await time('RBAC: scheduler create pods/binding (bootstrap role hit)', 20000, () => z.authorize(binding(sched)));
await time('RBAC: scheduler list secrets (refused)', 20000, () =>
  z.authorize(resourceAttributes(sched, 'list', { resource: 'secrets', namespace: 'default' })),
);
await time('RBAC: jane list pods in default (RoleBinding, 2000 others)', 20000, () =>
  z.authorize(resourceAttributes(jane, 'list', { resource: 'pods', namespace: 'default' })),
);
await time('RBAC: jane list pods in team-1 (refused, 40 bindings there)', 20000, () =>
  z.authorize(resourceAttributes(jane, 'list', { resource: 'pods', namespace: 'team-1' })),
);
await time('RBAC: user-7 list pods in team-7 (ClusterRole of 10 rules)', 20000, () =>
  z.authorize(
    resourceAttributes({ name: 'user-7', groups: ['system:authenticated'] }, 'list', {
      resource: 'pods',
      namespace: 'team-7',
    }),
  ),
);
await time('node: update nodes/status (node rules)', 20000, () =>
  z.authorize(resourceAttributes(node, 'update', { resource: 'nodes', subresource: 'status', name: 'n1' })),
);
await time('node: get a Secret its pod uses (graph, 10 pods in ns)', 500, () =>
  z.authorize(resourceAttributes(node, 'get', { resource: 'secrets', namespace: 'default', name: 's1' })),
);
await time('node: get a Secret its pod uses (graph, 200 pods in ns)', 200, () =>
  z.authorize(resourceAttributes(node, 'get', { resource: 'secrets', namespace: 'big', name: 's1' })),
);
const as = admittingRegistry(registry, node, [nodeRestriction]);
const cur = await registry.get('pods', 'default', 'p1');
await time('node: pod status write with NodeRestriction (incl. write)', 300, () =>
  as.updateStatus('pods', 'default', 'p1', {
    ...cur,
    metadata: { ...cur.metadata, resourceVersion: undefined },
    status: { phase: 'Running' },
  }),
);
await time('admin: pod status write, no restriction (incl. write)', 300, () =>
  registry.updateStatus('pods', 'default', 'p1', {
    ...cur,
    metadata: { ...cur.metadata, resourceVersion: undefined },
    status: { phase: 'Running' },
  }),
);
ac.abort();
await following;
await registry.close();
