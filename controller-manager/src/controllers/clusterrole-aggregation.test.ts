import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoleObject } from '@kubelab/api';
import { aggregatedRules } from './clusterrole-aggregation.js';

const role = (name: string, labels: Record<string, string>, verbs: string[]): RoleObject => ({
  metadata: { name, labels },
  rules: [{ verbs, apiGroups: [''], resources: ['pods'] }],
});

describe('clusterrole aggregation', () => {
  it('unions the selected roles in name order, each rule once, never itself', () => {
    const monitoring: RoleObject = {
      metadata: { name: 'monitoring', labels: { agg: 'yes' } },
      aggregationRule: {
        clusterRoleSelectors: [
          { matchLabels: { agg: 'yes' } },
          { matchExpressions: [{ key: 'extra', operator: 'Exists' }] },
        ],
      },
      rules: [],
    };
    const all = [
      monitoring,
      role('b', { agg: 'yes' }, ['list']),
      role('a', { agg: 'yes' }, ['get']),
      role('c', { extra: '1' }, ['get']),
      role('d', {}, ['delete']),
    ];
    assert.deepEqual(aggregatedRules(monitoring, all), [
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
    ]);
  });
});
