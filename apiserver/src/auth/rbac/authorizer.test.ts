import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '@kubelab/api';
import { pathAttributes, resourceAttributes } from '../attributes.js';
import { rbacAuthorizer } from './authorizer.js';
import { RbacIndex } from './rbac-index.js';

const G = 'rbac.authorization.k8s.io';
const role = (name: string, namespace: string | undefined, rules: object[]): KubeObject =>
  ({ metadata: { name, ...(namespace ? { namespace } : {}) }, rules }) as KubeObject;
const binding = (
  name: string,
  namespace: string | undefined,
  kind: string,
  ref: string,
  subjects: object[],
): KubeObject =>
  ({
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: G, kind, name: ref },
    subjects,
  }) as KubeObject;

const ix = RbacIndex.fromLists({
  clusterroles: [
    role('reader', undefined, [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] }]),
    role('urls', undefined, [{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }]),
  ],
  roles: [role('cm', 'dev', [{ verbs: ['*'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app'] }])],
  clusterrolebindings: [
    binding('urls', undefined, 'ClusterRole', 'urls', [{ kind: 'Group', name: 'ops' }]),
    binding('ghost', undefined, 'ClusterRole', 'nope', [{ kind: 'User', name: 'ann' }]),
  ],
  rolebindings: [
    binding('r', 'dev', 'ClusterRole', 'reader', [{ kind: 'ServiceAccount', name: 'robot' }]),
    binding('c', 'dev', 'Role', 'cm', [{ kind: 'User', name: 'jane' }]),
  ],
});
const z = rbacAuthorizer(() => ix);
const decide = async (a: ReturnType<typeof resourceAttributes>) => (await z.authorize(a)).decision;
const robot = {
  name: 'system:serviceaccount:dev:robot',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'],
};
const jane = { name: 'jane', groups: ['system:authenticated'] };

describe('the RBAC authorizer', () => {
  it("a ServiceAccount subject without a namespace is the binding namespace's, and the grant holds there only", async () => {
    assert.equal(await decide(resourceAttributes(robot, 'list', { resource: 'pods', namespace: 'dev' })), 'allow');
    assert.equal(
      await decide(
        resourceAttributes(robot, 'get', { resource: 'pods', subresource: 'log', namespace: 'dev', name: 'p' }),
      ),
      'allow',
    );
    assert.equal(await decide(resourceAttributes(robot, 'list', { resource: 'pods', namespace: 'prod' })), 'noopinion');
    assert.equal(await decide(resourceAttributes(robot, 'list', { resource: 'pods' })), 'noopinion');
    assert.equal(
      await decide(resourceAttributes(robot, 'delete', { resource: 'pods', namespace: 'dev', name: 'p' })),
      'noopinion',
    );
    const v = await z.authorize(resourceAttributes(robot, 'list', { resource: 'pods', namespace: 'dev' }));
    assert.equal(
      v.reason,
      'RBAC: allowed by RoleBinding "r/dev" of ClusterRole "reader" to ServiceAccount "dev/robot"',
    );
  });

  it('resourceNames, Roles, groups and non-resource URLs', async () => {
    assert.equal(
      await decide(resourceAttributes(jane, 'update', { resource: 'configmaps', namespace: 'dev', name: 'app' })),
      'allow',
    );
    assert.equal(
      await decide(resourceAttributes(jane, 'update', { resource: 'configmaps', namespace: 'dev', name: 'other' })),
      'noopinion',
    );
    assert.equal(
      await decide(resourceAttributes(jane, 'list', { resource: 'configmaps', namespace: 'dev' })),
      'noopinion',
    );
    assert.equal(await decide(pathAttributes({ name: 'x', groups: ['ops'] }, 'get', '/logs/kubelet.log')), 'allow');
    assert.equal(await decide(pathAttributes(jane, 'get', '/logs/kubelet.log')), 'noopinion');
  });

  it('names a missing role in the reason, and lists rules for the rules review', async () => {
    assert.deepEqual(
      await z.authorize(
        resourceAttributes({ name: 'ann', groups: [] }, 'get', { resource: 'pods', namespace: 'x', name: 'p' }),
      ),
      { decision: 'noopinion', reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "nope" not found' },
    );
    const rules = await z.rulesFor!(robot, 'dev');
    assert.deepEqual(rules.resourceRules, [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] },
    ]);
    assert.equal(rules.incomplete, false);
  });
});
