/** Pure parts of the EndpointSlice controller: the desired slices of a Service. */
import type { EndpointSlice, EndpointSliceEndpoint, EndpointSlicePort, Pod, Service } from '@kubelab/api';
import { findPort } from './endpoints.js';
import { isPodReady, isPodTerminal } from '../util/pods.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export function selects(svc: Service, pod: Pod): boolean {
  const sel = svc.spec.selector;
  if (!sel || Object.keys(sel).length === 0) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

export interface DesiredSlice {
  /** Identifies the port set, so existing slices can be matched to desired ones. */
  portKey: string;
  ports: EndpointSlicePort[] | null;
  endpoints: EndpointSliceEndpoint[] | null;
}

export const slicePortKey = (ports: EndpointSlicePort[] | null | undefined): string =>
  (ports ?? [])
    .map((p) => `${p.name ?? ''}/${p.port ?? ''}/${p.protocol ?? ''}`)
    .sort()
    .join(',');

/**
 * One slice per distinct set of resolved ports; with no selected pod, one placeholder slice
 * (no endpoints, no ports) like upstream. Endpoints are IPv4 pod addresses sorted by IP.
 */
export function desiredSlices(svc: Service, pods: Pod[]): DesiredSlice[] {
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const groups = new Map<string, DesiredSlice>();
  for (const pod of pods) {
    if (!selects(svc, pod) || isPodTerminal(pod)) continue;
    const ip = pod.status?.podIP || pod.status?.podIPs?.[0]?.ip;
    if (!ip || ip.includes(':')) continue;
    const ports: EndpointSlicePort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const p: EndpointSlicePort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
      const app = (sp as { appProtocol?: string }).appProtocol;
      if (app) p.appProtocol = app;
      ports.push(p);
    }
    const terminating = !!pod.metadata.deletionTimestamp;
    const serving = isPodReady(pod);
    const ep: EndpointSliceEndpoint = {
      addresses: [ip],
      // As upstream: serving is the pod's readiness even while it terminates; ready also needs it
      // not terminating, unless publishNotReadyAddresses says every address is ready.
      conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
    };
    if (pod.spec.hostname && pod.spec['subdomain'] === svc.metadata.name) ep.hostname = pod.spec.hostname;
    if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
    ep.targetRef = {
      kind: 'Pod',
      namespace: pod.metadata.namespace ?? '',
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid,
    };
    const key = slicePortKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { portKey: key, ports, endpoints: [] }));
    g.endpoints!.push(ep);
  }
  if (groups.size === 0) return [{ portKey: '', ports: null, endpoints: null }];
  const ipNum = (e: EndpointSliceEndpoint): number =>
    (e.addresses[0] ?? '').split('.').reduce((a, b) => a * 256 + Number(b), 0);
  return [...groups.values()]
    .sort((a, b) => a.portKey.localeCompare(b.portKey))
    .map((g) => ({ ...g, endpoints: g.endpoints!.sort((a, b) => ipNum(a) - ipNum(b)) }));
}

export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  labels[SERVICE_NAME_LABEL] = svc.metadata.name ?? '';
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  if (svc.spec.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/** The slice object for a desired group (name generated from `<service>-`). */
export function newSlice(svc: Service, want: DesiredSlice): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name ?? ''}-`,
      namespace: svc.metadata.namespace ?? 'default',
      labels: sliceLabels(svc),
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: svc.metadata.name ?? '',
          uid: svc.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType: 'IPv4',
    endpoints: want.endpoints,
    ports: want.ports,
  };
}
