/**
 * Integration test: RBAC on a real apiserver (etcd, HTTPS, client certificates) driven by the real
 * kubectl: a Role and RoleBinding let jane list pods in one namespace and nothing else (`auth
 * can-i` answers and real calls, 200 and upstream's 403), the bootstrap roles are there, a
 * ServiceAccount and a group subject work, a missing role is named in the reason. Loopback only.
 * Run with `node --test apiserver/dist/auth/rbac/rbac.itest.js`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findKubectl, runIn } from '../../rest/testing/harness.js';
import { SecureCluster } from '../testing/secure-cluster.js';

const KUBECTL = findKubectl('kubectl');

describe('RBAC against a real apiserver with the real kubectl', { skip: KUBECTL ? false : 'no kubectl' }, () => {
  const c = new SecureCluster();
  const k = (...args: string[]) => runIn(c.dir, KUBECTL!, args);
  const kAs = (cfg: string, ...args: string[]) => runIn(c.dir, KUBECTL!, ['--kubeconfig', cfg, ...args]);
  let jane = '';
  const until = async (what: string, fn: () => Promise<boolean>) => {
    const end = Date.now() + 10_000;
    while (!(await fn())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  before(async () => {
    await c.start();
    c.kubeconfig('kubeconfig', {});
    jane = c.kubeconfig('jane', { identity: await c.identity('jane', ['devs']) });
    assert.equal((await k('create', 'namespace', 'other')).code, 0);
  });
  after(() => c.stop());

  it('serves the bootstrap roles and bindings', async () => {
    const roles = await k('get', 'clusterroles', '-o', 'name');
    for (const r of [
      'cluster-admin',
      'admin',
      'edit',
      'view',
      'system:basic-user',
      'system:discovery',
      'system:public-info-viewer',
      'system:kube-scheduler',
      'system:node-proxier',
    ]) {
      assert.match(roles.stdout, new RegExp(`^clusterrole.rbac.authorization.k8s.io/${r}$`, 'm'));
    }
    const crb = await k('get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide');
    assert.match(crb.stdout, /cluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters/);
    const ann = await k('get', 'clusterrole', 'view', '-o', 'jsonpath={.metadata.annotations}');
    assert.match(ann.stdout, /"rbac.authorization.kubernetes.io\/autoupdate":"true"/);
  });

  it('validates as upstream: rules, subjects, an immutable roleRef', async () => {
    const roles = '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles';
    const bad = await c.call(undefined, 'POST', roles, {
      metadata: { name: 'bad' },
      rules: [
        { apiGroups: [''], resources: ['pods'] },
        { verbs: ['get'], nonResourceURLs: ['/x'] },
      ],
    });
    assert.equal(bad.status, 422);
    assert.equal(
      bad.json['message'],
      'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[1].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs]',
    );
    const crb = await c.call(undefined, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      metadata: { name: 'x' },
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'ServiceAccount', name: 'sa' },
        { kind: 'Robot', name: 'r2' },
      ],
    });
    assert.equal(
      crb.json['message'],
      'ClusterRoleBinding.rbac.authorization.k8s.io "x" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value, subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]',
    );
    assert.equal((await k('create', 'rolebinding', 'rb', '--clusterrole=view', '--user=x')).code, 0);
    const patched = await k('patch', 'rolebinding', 'rb', '-p', '{"roleRef":{"name":"edit"}}');
    assert.match(
      patched.stderr,
      /The RoleBinding "rb" is invalid: roleRef: Invalid value: rbac.RoleRef\{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"\}: cannot change roleRef/,
    );
    assert.equal((await k('delete', 'rolebinding', 'rb')).code, 0);
  });

  it('a Role and RoleBinding let jane list pods in default and nothing else', async () => {
    assert.equal((await kAs(jane, 'auth', 'can-i', 'list', 'pods')).stdout.trim(), 'no');
    const denied = await kAs(jane, 'get', 'pods');
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"$/m,
    );
    assert.equal((await k('create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods')).code, 0);
    assert.equal((await k('create', 'rolebinding', 'read-pods', '--role=pod-reader', '--user=jane')).code, 0);
    await until(
      'jane may list pods',
      async () => (await kAs(jane, 'auth', 'can-i', 'list', 'pods')).stdout.trim() === 'yes',
    );
    const matrix: [string[], string][] = [
      [['get', 'pods'], 'yes'],
      [['watch', 'pods'], 'yes'],
      [['delete', 'pods'], 'no'],
      [['create', 'pods'], 'no'],
      [['list', 'pods', '-n', 'other'], 'no'],
      [['list', 'pods', '-A'], 'no'],
      [['list', 'secrets'], 'no'],
      [['list', 'deployments.apps'], 'no'],
      [['get', 'pods', '--subresource=log'], 'no'],
      [['list', 'nodes'], 'no'],
    ];
    for (const [args, want] of matrix)
      assert.equal((await kAs(jane, 'auth', 'can-i', ...args)).stdout.trim(), want, args.join(' '));
    const ok = await kAs(jane, 'get', 'pods');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /No resources found in default namespace/);
    const other = await kAs(jane, 'get', 'pods', '-n', 'other');
    assert.match(
      other.stderr,
      /pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "other"/,
    );
    const secrets = await kAs(jane, 'get', 'secrets');
    assert.match(
      secrets.stderr,
      /secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "default"/,
    );
    const nodes = await kAs(jane, 'get', 'nodes');
    assert.match(
      nodes.stderr,
      /nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope/,
    );
  });

  it('group subjects, resourceNames and subresources', async () => {
    assert.equal(
      (await k('create', 'clusterrole', 'cm-one', '--verb=get,update', '--resource=configmaps', '--resource-name=one'))
        .code,
      0,
    );
    assert.equal(
      (await k('create', 'rolebinding', 'devs-cm', '--clusterrole=cm-one', '--group=devs', '-n', 'other')).code,
      0,
    );
    await until(
      'devs may get configmap one',
      async () => (await kAs(jane, 'auth', 'can-i', 'get', 'configmaps/one', '-n', 'other')).stdout.trim() === 'yes',
    );
    assert.equal((await kAs(jane, 'auth', 'can-i', 'get', 'configmaps/two', '-n', 'other')).stdout.trim(), 'no');
    assert.equal((await kAs(jane, 'auth', 'can-i', 'list', 'configmaps', '-n', 'other')).stdout.trim(), 'no');
    assert.equal((await kAs(jane, 'auth', 'can-i', 'get', 'configmaps/one')).stdout.trim(), 'no');
    assert.equal((await k('create', 'role', 'logs', '--verb=get', '--resource=pods/log', '-n', 'other')).code, 0);
    assert.equal((await k('create', 'rolebinding', 'logs', '--role=logs', '--user=jane', '-n', 'other')).code, 0);
    await until(
      'jane may read logs',
      async () =>
        (await kAs(jane, 'auth', 'can-i', 'get', 'pods', '--subresource=log', '-n', 'other')).stdout.trim() === 'yes',
    );
    assert.equal((await kAs(jane, 'auth', 'can-i', 'get', 'pods', '-n', 'other')).stdout.trim(), 'no');
  });

  it('a binding to a missing role grants nothing and says why', async () => {
    assert.equal(
      (await k('create', 'clusterrolebinding', 'ghost', '--clusterrole=no-such-role', '--user=jane')).code,
      0,
    );
    await until('the binding is seen', async () => (await kAs(jane, 'get', 'nodes')).stderr.includes('not found'));
    const r = await kAs(jane, 'get', 'nodes');
    assert.match(
      r.stderr,
      /at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "no-such-role" not found/,
    );
    assert.equal((await k('delete', 'clusterrolebinding', 'ghost')).code, 0);
  });

  it('a ServiceAccount user is its ServiceAccount subject and in system:serviceaccounts', async () => {
    const sa = c.kubeconfig('sa', {
      identity: await c.identity('system:serviceaccount:other:robot', [
        'system:serviceaccounts',
        'system:serviceaccounts:other',
      ]),
    });
    assert.equal((await k('create', 'clusterrole', 'pod-lister', '--verb=list', '--resource=pods')).code, 0);
    assert.equal(
      (
        await k(
          'create',
          'rolebinding',
          'robot-view',
          '--clusterrole=pod-lister',
          '--serviceaccount=other:robot',
          '-n',
          'other',
        )
      ).code,
      0,
    );
    await until(
      'robot may list pods',
      async () => (await kAs(sa, 'auth', 'can-i', 'list', 'pods', '-n', 'other')).stdout.trim() === 'yes',
    );
    assert.equal((await kAs(sa, 'auth', 'can-i', 'delete', 'pods', '-n', 'other')).stdout.trim(), 'no');
    assert.equal((await kAs(sa, 'auth', 'can-i', 'list', 'pods', '-n', 'default')).stdout.trim(), 'no');
    assert.equal(
      (await k('create', 'clusterrolebinding', 'all-sas', '--clusterrole=pod-lister', '--group=system:serviceaccounts'))
        .code,
      0,
    );
    await until(
      'every ServiceAccount may list pods',
      async () => (await kAs(sa, 'auth', 'can-i', 'list', 'pods', '-n', 'default')).stdout.trim() === 'yes',
    );
  });

  it('refuses to grant what the granter does not hold, unless escalate or bind', async () => {
    assert.equal(
      (await k('create', 'role', 'rbac-writer', '--verb=create,update,get', '--resource=roles,rolebindings')).code,
      0,
    );
    assert.equal((await k('create', 'rolebinding', 'jane-rbac', '--role=rbac-writer', '--user=jane')).code, 0);
    await until(
      'jane may create roles',
      async () => (await kAs(jane, 'auth', 'can-i', 'create', 'roles')).stdout.trim() === 'yes',
    );
    const refused = await kAs(jane, 'create', 'role', 'deleter', '--verb=get,delete', '--resource=pods,secrets');
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.trim(),
      'Error from server (Forbidden): roles.rbac.authorization.k8s.io "deleter" is forbidden: user "jane" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
    );
    assert.equal((await kAs(jane, 'create', 'role', 'reader2', '--verb=get', '--resource=pods')).code, 0);
    assert.equal((await kAs(jane, 'create', 'rolebinding', 'bob-reads', '--role=pod-reader', '--user=bob')).code, 0);
    const edit = await kAs(jane, 'create', 'rolebinding', 'bob-edits', '--clusterrole=cm-one', '--user=bob');
    assert.match(
      edit.stderr,
      /rolebindings.rbac.authorization.k8s.io "bob-edits" is forbidden: user "jane" \(groups=\["devs" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:/,
    );
    assert.equal(
      (await k('create', 'role', 'binder', '--verb=bind', '--resource=clusterroles', '--resource-name=cm-one')).code,
      0,
    );
    assert.equal((await k('create', 'rolebinding', 'jane-binder', '--role=binder', '--user=jane')).code, 0);
    await until(
      'jane may bind cm-one',
      async () =>
        (await kAs(jane, 'create', 'rolebinding', 'bob-edits', '--clusterrole=cm-one', '--user=bob')).code === 0,
    );
    assert.equal((await k('create', 'role', 'escalator', '--verb=escalate', '--resource=roles')).code, 0);
    assert.equal((await k('create', 'rolebinding', 'jane-escalator', '--role=escalator', '--user=jane')).code, 0);
    await until(
      'jane may escalate',
      async () =>
        (await kAs(jane, 'create', 'role', 'deleter', '--verb=get,delete', '--resource=pods,secrets')).code === 0,
    );
  });
});
