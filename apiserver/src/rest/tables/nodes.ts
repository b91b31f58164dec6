/** The node table (upstream printNode). */
import type { KubeObject } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, list, nameOf, obj, str } from './format.js';

/** STATUS: Ready / NotReady / Unknown, plus `,SchedulingDisabled` for a cordoned node. */
export function nodeStatus(node: KubeObject): string {
  const ready = list(obj(node.status)['conditions']).find((c) => c['type'] === 'Ready');
  const parts = [ready ? (ready['status'] === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (obj(node.spec)['unschedulable'] === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** ROLES from `node-role.kubernetes.io/<role>` labels and `kubernetes.io/role`. */
export function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function address(node: KubeObject, type: string): string {
  return str(list(obj(node.status)['addresses']).find((a) => a['type'] === type)?.['address']) || '<none>';
}

export const nodePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE_COLUMN,
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    col('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', {
      priority: 1,
    }),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", {
      priority: 1,
    }),
    col(
      'Container-Runtime',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      { priority: 1 },
    ),
  ],
  cells(node, now) {
    const info = obj(obj(node.status)['nodeInfo']);
    const orUnknown = (k: string): string => str(info[k]) || '<unknown>';
    return [
      nameOf(node),
      nodeStatus(node),
      nodeRoles(node),
      age(node, now),
      str(info['kubeletVersion']),
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      orUnknown('osImage'),
      orUnknown('kernelVersion'),
      orUnknown('containerRuntimeVersion'),
    ];
  },
};
