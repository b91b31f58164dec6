/** DaemonSet and StatefulSet tables (upstream printDaemonSet / printStatefulSet). */
import type { KubeObject, LabelSelector } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, formatLabelSelector, formatLabels, int, list, nameOf, obj, str } from './format.js';

function containers(o: KubeObject): Record<string, unknown>[] {
  return list(obj(obj(obj(o.spec)['template'])['spec'])['containers']);
}

export const daemonSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col(
      'Desired',
      'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).',
      { type: 'integer' },
    ),
    col(
      'Current',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
      { type: 'integer' },
    ),
    col(
      'Ready',
      'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
      { type: 'integer' },
    ),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    col(
      'Available',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
      { type: 'integer' },
    ),
    col(
      'Node Selector',
      "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
    ),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', 'A label query over pods that are managed by the daemon set.', { priority: 1 }),
  ],
  cells(ds, now) {
    const s = obj(ds.status);
    const spec = obj(ds.spec);
    const nodeSelector = obj(obj(obj(spec['template'])['spec'])['nodeSelector']) as Record<string, string>;
    const cs = containers(ds);
    return [
      nameOf(ds),
      int(s['desiredNumberScheduled']),
      int(s['currentNumberScheduled']),
      int(s['numberReady']),
      int(s['updatedNumberScheduled']),
      int(s['numberAvailable']),
      formatLabels(nodeSelector),
      age(ds, now),
      cs.map((c) => str(c['name'])).join(','),
      cs.map((c) => str(c['image'])).join(','),
      formatLabelSelector(spec['selector'] as LabelSelector | undefined),
    ];
  },
};

export const statefulSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'Number of the pod with ready state'),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
  ],
  cells(sts, now) {
    const r = obj(sts.spec)['replicas'];
    const desired = typeof r === 'number' ? r : 1;
    const cs = containers(sts);
    return [
      nameOf(sts),
      `${int(obj(sts.status)['readyReplicas'])}/${desired}`,
      age(sts, now),
      cs.map((c) => str(c['name'])).join(','),
      cs.map((c) => str(c['image'])).join(','),
    ];
  },
};
