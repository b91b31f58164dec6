/**
 * Integration test: the access reviews, impersonation and `kubectl auth reconcile` on a real
 * apiserver with the real kubectl: `auth can-i --as/--as-group/--list/-n`, `auth whoami --as`,
 * SubjectAccessReview and LocalSubjectAccessReview, impersonation refused without the
 * `impersonate` verb and allowed with it. Run with `node --test apiserver/dist/auth/rbac/reviews.itest.js`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findKubectl, runIn } from '../../rest/testing/harness.js';
import { SecureCluster } from '../testing/secure-cluster.js';

const KUBECTL = findKubectl('kubectl');

describe('access reviews and impersonation with the real kubectl', { skip: KUBECTL ? false : 'no kubectl' }, () => {
  const c = new SecureCluster();
  const k = (...args: string[]) => runIn(c.dir, KUBECTL!, args);
  let bob = '';
  const canI = async (...args: string[]) => (await k('auth', 'can-i', ...args)).stdout.trim();
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
    bob = c.kubeconfig('bob', { identity: await c.identity('bob') });
    for (const args of [
      ['create', 'namespace', 'other'],
      ['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods'],
      ['create', 'rolebinding', 'jane-reads', '--role=pod-reader', '--user=jane'],
      ['create', 'clusterrole', 'cm-reader', '--verb=get', '--resource=configmaps'],
      ['create', 'rolebinding', 'devs-cm', '--clusterrole=cm-reader', '--group=devs', '-n', 'other'],
    ])
      assert.equal((await k(...args)).code, 0, args.join(' '));
    await until('the bindings are seen', async () => (await canI('list', 'pods', '--as=jane')) === 'yes');
  });
  after(() => c.stop());

  it('kubectl api-resources lists the review APIs as upstream (create only)', async () => {
    const out = await k('api-resources', '--api-group=authorization.k8s.io', '-o', 'wide');
    assert.equal(out.code, 0, out.stderr);
    for (const [name, ns, kind] of [
      ['localsubjectaccessreviews', 'true', 'LocalSubjectAccessReview'],
      ['selfsubjectaccessreviews', 'false', 'SelfSubjectAccessReview'],
      ['selfsubjectrulesreviews', 'false', 'SelfSubjectRulesReview'],
      ['subjectaccessreviews', 'false', 'SubjectAccessReview'],
    ])
      assert.match(
        out.stdout,
        new RegExp(`^${name}\\s+authorization\\.k8s\\.io/v1\\s+${ns}\\s+${kind}\\s+create`, 'm'),
      );
    const authn = await k('api-resources', '--api-group=authentication.k8s.io');
    assert.match(authn.stdout, /^selfsubjectreviews\s+authentication\.k8s\.io\/v1\s+false\s+SelfSubjectReview$/m);
    // Every group discovery lists answers its own documents (legacy discovery walks them all).
    assert.equal((await k('get', '--raw', '/apis/authorization.k8s.io/v1')).code, 0);
    assert.equal((await k('get', '--raw', '/apis/metrics.k8s.io/v1beta1')).code, 0);
  });

  it('auth can-i --as, --as-group, -n and --list', async () => {
    assert.equal(await canI('list', 'pods', '--as=jane', '-n', 'other'), 'no');
    assert.equal(await canI('delete', 'pods', '--as=jane'), 'no');
    assert.equal(await canI('get', 'configmaps', '--as=bob', '-n', 'other'), 'no');
    assert.equal(await canI('get', 'configmaps', '--as=bob', '--as-group=devs', '-n', 'other'), 'yes');
    assert.equal(await canI('get', 'configmaps', '--as=bob', '--as-group=devs'), 'no');
    const list = await k('auth', 'can-i', '--list', '--as=jane');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    assert.match(list.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list\]$/m);
    assert.match(list.stdout, /selfsubjectaccessreviews.authorization.k8s.io\s+\[\]\s+\[\]\s+\[create\]/);
    assert.match(list.stdout, /\s+\[\/api\/\*\]\s+\[\]\s+\[get\]/);
    assert.doesNotMatch((await k('auth', 'can-i', '--list', '--as=jane', '-n', 'other')).stdout, /^pods/m);
  });

  it('auth whoami, as oneself and as someone else', async () => {
    const me = await k('auth', 'whoami', '--as=jane', '--as-group=devs');
    assert.equal(me.code, 0, me.stderr);
    assert.match(me.stdout, /Username\s+jane/);
    assert.match(me.stdout, /Groups\s+\[devs system:authenticated\]/);
    assert.match((await runIn(c.dir, KUBECTL!, ['--kubeconfig', bob, 'auth', 'whoami'])).stdout, /Username\s+bob/);
  });

  it('impersonation needs the impersonate verb', async () => {
    const refused = await runIn(c.dir, KUBECTL!, ['--kubeconfig', bob, 'get', 'pods', '--as=jane']);
    assert.match(
      refused.stderr,
      /users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope/,
    );
    assert.equal(
      (await k('create', 'clusterrole', 'be-jane', '--verb=impersonate', '--resource=users', '--resource-name=jane'))
        .code,
      0,
    );
    assert.equal(
      (await k('create', 'clusterrolebinding', 'bob-be-jane', '--clusterrole=be-jane', '--user=bob')).code,
      0,
    );
    await until(
      'bob may act as jane',
      async () => (await runIn(c.dir, KUBECTL!, ['--kubeconfig', bob, 'get', 'pods', '--as=jane'])).code === 0,
    );
    const group = await runIn(c.dir, KUBECTL!, [
      '--kubeconfig',
      bob,
      'get',
      'pods',
      '--as=jane',
      '--as-group=system:masters',
    ]);
    assert.match(
      group.stderr,
      /groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope/,
    );
    const other = await runIn(c.dir, KUBECTL!, ['--kubeconfig', bob, 'get', 'pods', '--as=jane', '-n', 'other']);
    assert.match(
      other.stderr,
      /pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "other"/,
    );
  });

  it('SubjectAccessReview and LocalSubjectAccessReview', async () => {
    const sar = (
      await c.call(undefined, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: 'jane', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } },
      })
    ).json;
    assert.equal(sar['status']['allowed'], true);
    assert.match(
      sar['status']['reason'],
      /RBAC: allowed by RoleBinding "jane-reads\/default" of Role "pod-reader" to User "jane"/,
    );
    const none = await c.call(undefined, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      spec: { resourceAttributes: { verb: 'list', resource: 'pods' } },
    });
    assert.equal(none.status, 422);
    assert.equal(
      none.json['message'],
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    );
    const local = (
      await c.call(undefined, 'POST', '/apis/authorization.k8s.io/v1/namespaces/other/localsubjectaccessreviews', {
        spec: {
          user: 'x',
          groups: ['devs'],
          resourceAttributes: { verb: 'get', resource: 'configmaps', namespace: 'other' },
        },
      })
    ).json;
    assert.equal(local['status']['allowed'], true);
    const bobAsks = await c.as(await c.identity('bob'))('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      spec: { user: 'jane', resourceAttributes: { verb: 'list', resource: 'pods' } },
    });
    assert.equal(bobAsks.status, 403);
  });

  it('kubectl auth reconcile creates and completes roles and bindings', async () => {
    const file = join(c.dir, 'rbac.yaml');
    const role = (verbs: string) =>
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: deployer, namespace: made-by-reconcile}\nrules:\n- {apiGroups: [apps], resources: [deployments], verbs: [${verbs}]}\n`;
    const binding =
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: deployer, namespace: made-by-reconcile}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}\nsubjects:\n- {kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}\n';
    writeFileSync(file, `${role('get')}---\n${binding}`);
    const first = await k('auth', 'reconcile', '-f', file);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /role.rbac.authorization.k8s.io\/deployer reconciled/);
    writeFileSync(file, role('get, update'));
    assert.equal((await k('auth', 'reconcile', '-f', file)).code, 0);
    await until(
      'jane may update deployments there',
      async () => (await canI('update', 'deployments', '--as=jane', '-n', 'made-by-reconcile')) === 'yes',
    );
  });
});
