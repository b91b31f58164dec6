#!/usr/bin/env node
/**
 * API throughput with authorization, over real HTTPS on a real etcd: GET one ConfigMap (a watch
 * cache read) with keep-alive, 16 in flight, as the admin (system:masters decides at once), as a
 * component (the scheduler's client certificate: its bootstrap ClusterRole) and as a user with a
 * RoleBinding — each through the RBAC chain the apiserver runs, and "before": a second server on
 * the same registry with the static policy table that RBAC replaced (no admission). Prints
 * requests per second and µs per request (median of 5 rounds of 2000, before and after alternating). Run: npx tsc -b && node bench/authz-rest.mjs
 */
import https from 'node:https';
import pino from 'pino';
import { SecureCluster } from '@kubelab/apiserver/auth/testing/secure-cluster';
import { startRestServer } from '@kubelab/apiserver/rest/server';
import { chainAuthorizers, mastersAuthorizer } from '@kubelab/apiserver/auth/authorizer';
import { policyAuthorizer } from '@kubelab/apiserver/auth/rules';
import { BINDINGS, ROLES } from '@kubelab/apiserver/auth/policy';

const c = await new SecureCluster().start();
const ac = new AbortController();
const before = await startRestServer({
  registry: c.registry,
  port: 0,
  host: '127.0.0.1',
  log: pino({ level: 'silent' }),
  signal: ac.signal,
  tls: { cert: c.pki.cert, key: c.pki.key, clientCA: c.pki.caCert },
  token: c.pki.token,
  enforcement: { authorizer: chainAuthorizers(mastersAuthorizer, policyAuthorizer(ROLES, BINDINGS)), admission: [] },
});
const beforePort = before.address().port;
await c.call(undefined, 'POST', '/api/v1/namespaces/default/configmaps', {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm' },
  data: { a: 'b' },
});
await c.call(undefined, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
  metadata: { name: 'cm-reader' },
  rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }],
});
await c.call(undefined, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
  metadata: { name: 'jane' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
  subjects: [{ kind: 'User', name: 'jane' }],
});
const sched = await c.identity('system:kube-scheduler');
const jane = await c.identity('jane', ['devs']);
await new Promise((r) => setTimeout(r, 300));

function load(port, creds, path, total = 3000, inflight = 16) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: inflight });
  const opts = {
    host: '127.0.0.1',
    port,
    path,
    ca: c.pki.caCert,
    agent,
    ...(creds.identity
      ? { cert: creds.identity.cert, key: creds.identity.key }
      : { headers: { Authorization: `Bearer ${creds.token}` } }),
  };
  let sent = 0;
  let statuses = new Map();
  const one = () =>
    new Promise((resolve, reject) => {
      https
        .get(opts, (res) => {
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  const worker = async () => {
    while (sent < total) {
      sent++;
      await one();
    }
  };
  const t = process.hrtime.bigint();
  return Promise.all(Array.from({ length: inflight }, worker)).then(() => {
    agent.destroy();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    return { rps: total / s, statuses: [...statuses].map(([k, v]) => `${k}×${v}`).join(' ') };
  });
}

async function measure(label, cases) {
  for (const k of cases) await load(k.port, k.creds, k.path, 300);
  const rounds = cases.map(() => []);
  const statuses = cases.map(() => '');
  for (let i = 0; i < 5; i++) {
    for (const [j, k] of cases.entries()) {
      const r = await load(k.port, k.creds, k.path, 2000);
      rounds[j].push(r.rps);
      statuses[j] = r.statuses;
    }
  }
  for (const [j, k] of cases.entries()) {
    const rps = rounds[j].sort((a, b) => a - b)[2];
    console.log(
      `${`${label}: ${k.name}`.padEnd(60)} ${rps.toFixed(0).padStart(6)} req/s ${(1e6 / rps).toFixed(0).padStart(6)} µs/req  (${statuses[j]})`,
    );
  }
}

const CM = '/api/v1/namespaces/default/configmaps/cm';
const NODES = '/api/v1/nodes?limit=1';
const admin = { token: c.pki.token };
await measure('admin get configmap', [
  { name: 'before (static table)', port: beforePort, creds: admin, path: CM },
  { name: 'RBAC', port: c.port, creds: admin, path: CM },
]);
await measure('scheduler list nodes', [
  { name: 'before (static table)', port: beforePort, creds: { identity: sched }, path: NODES },
  { name: 'RBAC (bootstrap ClusterRole)', port: c.port, creds: { identity: sched }, path: NODES },
]);
await measure('jane', [
  { name: 'RBAC get configmap (RoleBinding)', port: c.port, creds: { identity: jane }, path: CM },
  { name: 'RBAC list nodes (refused, 403)', port: c.port, creds: { identity: jane }, path: NODES },
]);
ac.abort();
before.closeAllConnections();
await new Promise((r) => before.close(r));
await c.stop();
