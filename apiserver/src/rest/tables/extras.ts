/**
 * HorizontalPodAutoscaler, Ingress, EndpointSlice and PodDisruptionBudget tables (upstream
 * printHorizontalPodAutoscaler / printIngress / printEndpointSlice / printPodDisruptionBudget).
 */
import type { KubeObject } from '@kubelab/api';
import { AGE_COLUMN, col, NAME_COLUMN, type Printer } from './types.js';
import { age, int, list, nameOf, obj, str } from './format.js';

type Rec = Record<string, unknown>;

/** "a,b,c + 2 more..." as upstream lists the first few items. */
function firstFew(items: string[], max: number, sep = ','): string {
  if (items.length <= max) return items.join(sep);
  return `${items.slice(0, max).join(sep)} + ${items.length - max} more...`;
}

function quantity(v: unknown): string {
  return typeof v === 'number' ? String(v) : str(v);
}

/** One metric as `cpu: 30%/50%` (current `<unknown>` until status reports it). */
function formatMetric(spec: Rec, current: Rec | undefined): string {
  const type = str(spec['type']);
  const key = type === 'ContainerResource' ? 'containerResource' : type.charAt(0).toLowerCase() + type.slice(1);
  const m = obj(spec[key]);
  const target = obj(m['target']);
  const cur = current ? obj(obj(current[key])['current']) : undefined;
  const name = str(m['name']) || str(obj(m['metric'])['name']);
  const prefix = type === 'Resource' || type === 'ContainerResource' ? `${name}: ` : '';
  if (typeof target['averageUtilization'] === 'number') {
    const c = cur && typeof cur['averageUtilization'] === 'number' ? `${cur['averageUtilization']}%` : '<unknown>';
    return `${prefix}${c}/${target['averageUtilization']}%`;
  }
  const field = target['averageValue'] !== undefined ? 'averageValue' : 'value';
  const c = cur && cur[field] !== undefined ? quantity(cur[field]) : '<unknown>';
  const t = quantity(target[field]);
  return `${prefix}${c}/${t}${field === 'averageValue' && type !== 'Resource' && type !== 'ContainerResource' ? ' (avg)' : ''}`;
}

export function hpaTargets(hpa: KubeObject): string {
  const v1Target = obj(hpa.spec)['targetCPUUtilizationPercentage'];
  if (typeof v1Target === 'number') {
    // autoscaling/v1 (kubectl get hpa.v1.autoscaling): the CPU target only.
    const cur = obj(hpa.status)['currentCPUUtilizationPercentage'];
    return `cpu: ${typeof cur === 'number' ? `${cur}%` : '<unknown>'}/${v1Target}%`;
  }
  const metrics = list(obj(hpa.spec)['metrics']);
  if (metrics.length === 0) return '<none>';
  const currents = list(obj(hpa.status)['currentMetrics']);
  const parts = metrics.map((m, i) =>
    formatMetric(m, currents[i] && currents[i]['type'] === m['type'] ? currents[i] : undefined),
  );
  return firstFew(parts, 2, ', ');
}

export const hpaPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col(
      'Reference',
      'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.',
    ),
    col('Targets', 'the metrics used to calculate the desired replica count.'),
    col('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    col('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.', {
      type: 'integer',
    }),
    col(
      'Replicas',
      'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.',
      { type: 'integer' },
    ),
    AGE_COLUMN,
  ],
  cells(hpa, now) {
    const spec = obj(hpa.spec);
    const ref = obj(spec['scaleTargetRef']);
    const min = spec['minReplicas'];
    return [
      nameOf(hpa),
      `${str(ref['kind'])}/${str(ref['name'])}`,
      hpaTargets(hpa),
      typeof min === 'number' ? String(min) : '<unset>',
      int(spec['maxReplicas']),
      int(obj(hpa.status)['currentReplicas']),
      age(hpa, now),
    ];
  },
};

function ingressHosts(ing: KubeObject): string {
  const hosts = list(obj(ing.spec)['rules'])
    .map((r) => str(r['host']))
    .filter((h) => h !== '');
  return hosts.length === 0 ? '*' : firstFew(hosts, 4);
}

function ingressAddress(ing: KubeObject): string {
  return list(obj(obj(ing.status)['loadBalancer'])['ingress'])
    .map((i) => str(i['ip']) || str(i['hostname']))
    .filter((s) => s !== '')
    .join(',');
}

export const ingressPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Class', 'The name of the IngressClass resource that should be used for ingress.'),
    col('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'Ports of TLS configurations that open'),
    AGE_COLUMN,
  ],
  cells(ing, now) {
    const spec = obj(ing.spec);
    const cls = str(spec['ingressClassName']) || '<none>';
    const ports = list(spec['tls']).length > 0 ? '80, 443' : '80';
    return [nameOf(ing), cls, ingressHosts(ing), ingressAddress(ing), ports, age(ing, now)];
  },
};

export const endpointSlicePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('AddressType', 'The IP protocol for this slice'),
    col('Ports', 'The ports in this slice'),
    col('Endpoints', 'The endpoints in this slice'),
    AGE_COLUMN,
  ],
  cells(es, now) {
    const ports = list(es['ports']).map((p) => (typeof p['port'] === 'number' ? String(p['port']) : '*'));
    const addrs = list(es['endpoints']).flatMap((e) =>
      list<string>(e['addresses']).filter((a) => typeof a === 'string'),
    );
    return [
      nameOf(es),
      str(es['addressType']),
      ports.length ? ports.join(',') : '<unset>',
      addrs.length ? firstFew(addrs, 3) : '<unset>',
      age(es, now),
    ];
  },
};

const intOrString = (v: unknown): string =>
  v === undefined || v === null ? 'N/A' : typeof v === 'number' ? String(v) : str(v);

export const pdbPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Min Available', 'The minimum number of pods that must be available'),
    col('Max Unavailable', 'The maximum number of pods that may be unavailable'),
    col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time', { type: 'integer' }),
    AGE_COLUMN,
  ],
  cells(pdb, now) {
    const spec = obj(pdb.spec);
    return [
      nameOf(pdb),
      intOrString(spec['minAvailable']),
      intOrString(spec['maxUnavailable']),
      int(obj(pdb.status)['disruptionsAllowed']),
      age(pdb, now),
    ];
  },
};
