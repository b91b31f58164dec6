/** Deployment and ReplicaSet tables (upstream printDeployment / printReplicaSet). */
import type { KubeObject, LabelSelector } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, formatLabelSelector, int, list, nameOf, obj, str } from './format.js';

const WIDE = [
  col('Containers', 'Names of each container in the template.', { priority: 1 }),
  col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
  col(
    'Selector',
    'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
    { priority: 1 },
  ),
];

function wideCells(o: KubeObject): string[] {
  const spec = obj(o.spec);
  const containers = list(obj(obj(spec['template'])['spec'])['containers']);
  return [
    containers.map((c) => str(c['name'])).join(','),
    containers.map((c) => str(c['image'])).join(','),
    formatLabelSelector(spec['selector'] as LabelSelector | undefined),
  ];
}

/** spec.replicas defaults to 1 when absent, as upstream's defaulting does. */
function desired(o: KubeObject): number {
  const r = obj(o.spec)['replicas'];
  return typeof r === 'number' ? r : 1;
}

export const deploymentPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'Number of the pod with ready state'),
    col(
      'Up-to-date',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      { type: 'integer' },
    ),
    col(
      'Available',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      { type: 'integer' },
    ),
    AGE_COLUMN,
    ...WIDE,
  ],
  cells(d, now) {
    const s = obj(d.status);
    return [
      nameOf(d),
      `${int(s['readyReplicas'])}/${desired(d)}`,
      int(s['updatedReplicas']),
      int(s['availableReplicas']),
      age(d, now),
      ...wideCells(d),
    ];
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    col('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
    AGE_COLUMN,
    ...WIDE,
  ],
  cells(rs, now) {
    const s = obj(rs.status);
    return [nameOf(rs), desired(rs), int(s['replicas']), int(s['readyReplicas']), age(rs, now), ...wideCells(rs)];
  },
};
