import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoleObject } from '@kubelab/api';
import { ruleString, uncovered } from './covers.js';
import { reconcileRole } from './reconcile.js';

describe('covers (escalation and reconciliation)', () => {
  it('breaks rules down and finds the pieces not held', () => {
    const owner = [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['*'], apiGroups: ['apps'], resources: ['deployments/*'] },
    ];
    assert.deepEqual(
      uncovered(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }]),
      [],
    );
    assert.deepEqual(
      uncovered(owner, [{ verbs: ['update'], apiGroups: ['apps'], resources: ['deployments/scale'] }]),
      [],
    );
    assert.deepEqual(uncovered(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]), [
      { verbs: ['delete'], apiGroups: [''], resources: ['pods'] },
    ]);
    assert.equal(
      uncovered(
        [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }],
        [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      ).length,
      1,
    );
    assert.deepEqual(
      uncovered([{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/logs/x'] }]),
      [],
    );
    assert.equal(
      ruleString({ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }),
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
    );
  });

  it('reconciliation adds missing rules and labels, keeps extras, honours autoupdate=false', () => {
    const want: RoleObject = {
      metadata: {
        name: 'r',
        labels: { a: '1' },
        annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
      },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
    };
    const have: RoleObject = {
      metadata: { name: 'r' },
      rules: [{ verbs: ['list'], apiGroups: [''], resources: ['nodes'] }],
    };
    const next = reconcileRole(have, want);
    assert.deepEqual(next?.rules, [
      { verbs: ['list'], apiGroups: [''], resources: ['nodes'] },
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    ]);
    assert.equal(next?.metadata.labels?.['a'], '1');
    assert.equal(reconcileRole(next!, want), undefined);
    assert.equal(
      reconcileRole(
        { ...have, metadata: { name: 'r', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } } },
        want,
      ),
      undefined,
    );
  });
});
