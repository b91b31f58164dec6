/** Service and Endpoints tables (upstream printService / printEndpoints). */
import type { KubeObject } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, formatLabels, int, list, nameOf, obj, str } from './format.js';

function loadBalancerIngress(svc: KubeObject): string[] {
  return list(obj(obj(svc.status)['loadBalancer'])['ingress'])
    .map((i) => str(i['ip']) || str(i['hostname']))
    .filter((s) => s.length > 0);
}

/** EXTERNAL-IP: externalIPs, load-balancer ingress, `<pending>` for an unassigned LoadBalancer. */
export function externalIP(svc: KubeObject): string {
  const spec = obj(svc.spec);
  const externalIPs = list<string>(spec['externalIPs']).filter((s) => typeof s === 'string');
  switch (str(spec['type']) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...loadBalancerIngress(svc), ...externalIPs];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec['externalName']);
    default:
      return '<unknown>';
  }
}

/** PORT(S): `80/TCP`, `80:30080/TCP`, comma-joined; `<none>` without ports. */
export function portsString(svc: KubeObject): string {
  const ports = list(obj(svc.spec)['ports']);
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => {
      const proto = str(p['protocol']) || 'TCP';
      const nodePort = int(p['nodePort']);
      return nodePort > 0 ? `${int(p['port'])}:${nodePort}/${proto}` : `${int(p['port'])}/${proto}`;
    })
    .join(',');
}

export const servicePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Type', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col(
      'External-IP',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
    ),
    col('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', {
      priority: 1,
    }),
  ],
  cells(svc, now) {
    const spec = obj(svc.spec);
    return [
      nameOf(svc),
      str(spec['type']) || 'ClusterIP',
      str(spec['clusterIP']) || '<none>',
      externalIP(svc),
      portsString(svc),
      age(svc, now),
      formatLabels(spec['selector'] as Record<string, string> | undefined),
    ];
  },
};

/** ENDPOINTS: up to three `ip:port`, then ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: KubeObject): string {
  const subsets = list(ep['subsets']);
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const shown: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addrs = list(ss['addresses']).map((a) => str(a['ip']));
    const ports = list(ss['ports']);
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) if (shown.length < max) shown.push(a);
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs)
        if (shown.length < max) shown.push(a.includes(':') ? `[${a}]:${int(p['port'])}` : `${a}:${int(p['port'])}`);
    }
  }
  const joined = shown.join(',');
  return count > max ? `${joined} + ${count - max} more...` : joined;
}

export const endpointsPrinter: Printer = {
  columns: [NAME_COLUMN, col('Endpoints', 'Endpoints of the service'), AGE_COLUMN],
  cells(ep, now) {
    return [nameOf(ep), formatEndpoints(ep), age(ep, now)];
  },
};
