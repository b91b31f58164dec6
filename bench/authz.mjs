#!/usr/bin/env node
/**
 * The cost of authorization and admission per request, in process (no I/O but the in-memory
 * store): the decision for the admin (system:masters), a component (the policy table: a hit and a
 * refusal), a node reading a Secret its pod uses (the Node authorizer lists the node's pods in the
 * namespace: with 10 and 200 pods there), and NodeRestriction on a pod status write. Prints
 * microseconds per call (median of 5 rounds). Run: npx tsc -b && node bench/authz.mjs
 */
import { MemoryStore, StoreRegistry, bootstrap } from '@kubelab/apiserver';
import { defaultAuthorizer } from '@kubelab/apiserver/auth/defaults';
import { resourceAttributes } from '@kubelab/apiserver/auth/attributes';
import { admittingRegistry } from '@kubelab/apiserver/auth/admission';
import { nodeRestriction } from '@kubelab/apiserver/auth/node-restriction';
import { ADMIN_USER } from '@kubelab/apiserver/auth/user';

const registry = new StoreRegistry(new MemoryStore());
await bootstrap(registry);
await registry.create('namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'big' } });
const pod = (ns, name, node, secret) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { nodeName: node, containers: [{ name: 'c', image: 'x', envFrom: [{ secretRef: { name: secret } }] }] } });
for (let i = 0; i < 10; i++) await registry.create('pods', 'default', pod('default', `p${i}`, i % 2 ? 'n1' : 'n2', `s${i}`));
for (let i = 0; i < 200; i++) await registry.create('pods', 'big', pod('big', `p${i}`, i % 2 ? 'n1' : 'n2', `s${i}`));
const z = defaultAuthorizer(registry);
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
await time('scheduler: create pods/binding (table hit)', 20000, () => z.authorize(resourceAttributes(sched, 'create', { resource: 'pods', subresource: 'binding', namespace: 'default', name: 'p' })));
await time('scheduler: list secrets (table, refused)', 20000, () => z.authorize(resourceAttributes(sched, 'list', { resource: 'secrets', namespace: 'default' })));
await time('node: update nodes/status (node rules)', 20000, () => z.authorize(resourceAttributes(node, 'update', { resource: 'nodes', subresource: 'status', name: 'n1' })));
await time('node: get a Secret its pod uses (graph, 10 pods in ns)', 500, () => z.authorize(resourceAttributes(node, 'get', { resource: 'secrets', namespace: 'default', name: 's1' })));
await time('node: get a Secret its pod uses (graph, 200 pods in ns)', 200, () => z.authorize(resourceAttributes(node, 'get', { resource: 'secrets', namespace: 'big', name: 's1' })));
const as = admittingRegistry(registry, node, [nodeRestriction]);
const cur = await registry.get('pods', 'default', 'p1');
await time('node: pod status write with NodeRestriction (incl. write)', 300, () => as.updateStatus('pods', 'default', 'p1', { ...cur, metadata: { ...cur.metadata, resourceVersion: undefined }, status: { phase: 'Running' } }));
await time('admin: pod status write, no restriction (incl. write)', 300, () => registry.updateStatus('pods', 'default', 'p1', { ...cur, metadata: { ...cur.metadata, resourceVersion: undefined }, status: { phase: 'Running' } }));
await registry.close();
