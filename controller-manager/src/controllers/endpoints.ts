/**
 * Endpoints controller: for every Service with a selector, an Endpoints object of the same name
 * listing the selected pods (ready ones in addresses, the others in notReadyAddresses) with the
 * Service's ports resolved against each pod (targetPort by number or by container port name).
 * Written only when it changed; removed when its Service is gone.
 */
import type { Logger } from 'pino';
import type {
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
  Endpoints,
  KubeObject,
  Pod,
  Service,
  ServicePort,
} from '@kubelab/api';
import { objectKey, splitKey } from '@kubelab/client';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { inNamespace, isAlreadyExists, isNotFound, semanticEqual } from '../util/objects.js';
import { isPodReady, isPodTerminal } from '../util/pods.js';

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export interface EndpointsControllerDeps {
  api: ApiLike;
  services: Cache<Service>;
  pods: Cache<Pod>;
  endpoints: Cache<Endpoints>;
  queue: KeyQueue;
  log: Logger;
}

function selects(svc: Service, pod: Pod): boolean {
  const sel = svc.spec.selector;
  if (!sel || Object.keys(sel).length === 0) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/** The pod port a Service port points at, or undefined when the pod has no such named port. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const tp = sp.targetPort;
  if (tp === undefined || tp === '' || tp === 0) return sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  const proto = sp.protocol ?? 'TCP';
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === tp && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

function podIP(pod: Pod): string | undefined {
  return pod.status?.podIP || pod.status?.podIPs?.[0]?.ip || undefined;
}

function addressOf(svc: Service, pod: Pod, ip: string): EndpointAddress {
  const a: EndpointAddress = { ip };
  if (pod.spec.nodeName) a.nodeName = pod.spec.nodeName;
  if (pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && svc.spec.clusterIP === 'None')
    a.hostname = pod.spec.hostname;
  a.targetRef = {
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid,
  };
  return a;
}

const portKey = (p: EndpointPort): string => `${p.name ?? ''}/${p.port}/${p.protocol ?? ''}`;
const addrKey = (a: EndpointAddress): string => `${a.ip}/${a.targetRef?.uid ?? ''}`;
const byAddr = (a: EndpointAddress, b: EndpointAddress): number =>
  a.ip.localeCompare(b.ip, 'en', { numeric: true }) || addrKey(a).localeCompare(addrKey(b));

/**
 * The subsets for a Service: one per distinct set of resolved ports (upstream's RepackSubsets),
 * addresses sorted by IP, subsets sorted by their ports. Terminating and finished pods are left
 * out (publishNotReadyAddresses keeps terminating ones, all as ready).
 */
export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const headless = svc.spec.clusterIP === 'None';
  const svcPorts = svc.spec.ports ?? [];
  const byAddress = new Map<string, { addr: EndpointAddress; ready: boolean; ports: Map<string, EndpointPort> }>();
  for (const pod of pods) {
    if (!selects(svc, pod) || isPodTerminal(pod)) continue;
    const ip = podIP(pod);
    if (!ip) continue;
    if (pod.metadata.deletionTimestamp && !publishNotReady) continue;
    const addr = addressOf(svc, pod, ip);
    const ready = publishNotReady || isPodReady(pod);
    const ports = new Map<string, EndpointPort>();
    if (svcPorts.length === 0) {
      if (!headless) continue;
    } else {
      for (const sp of svcPorts) {
        const num = findPort(pod, sp);
        if (num === undefined) continue;
        const ep: EndpointPort = { port: num, protocol: sp.protocol ?? 'TCP' };
        if (sp.name) ep.name = sp.name;
        if (typeof (sp as { appProtocol?: string }).appProtocol === 'string')
          (ep as { appProtocol?: string }).appProtocol = (sp as { appProtocol?: string }).appProtocol;
        ports.set(portKey(ep), ep);
      }
      if (ports.size === 0) continue;
    }
    byAddress.set(addrKey(addr), { addr, ready, ports });
  }
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const { addr, ready, ports } of byAddress.values()) {
    const list = [...ports.values()].sort((a, b) => portKey(a).localeCompare(portKey(b)));
    const key = list.map(portKey).join(',');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: list, ready: [], notReady: [] }));
    (ready ? g.ready : g.notReady).push(addr);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => {
      const s: EndpointSubset = {};
      if (g.ready.length > 0) s.addresses = g.ready.sort(byAddr);
      if (g.notReady.length > 0) s.notReadyAddresses = g.notReady.sort(byAddr);
      if (g.ports.length > 0) s.ports = g.ports;
      return s;
    });
}

/** Labels of the Endpoints: the Service's, plus the headless marker. */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const x = a ?? {};
  const ka = Object.keys(x);
  return ka.length === Object.keys(b).length && ka.every((k) => x[k] === b[k]);
}

export class EndpointsController implements Controller {
  readonly name = 'endpoints-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];

  constructor(private readonly d: EndpointsControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.services, d.pods, d.endpoints];
    d.services.addHandlers({
      add: (s) => this.queue.add(objectKey(s)),
      update: (_o, s) => this.queue.add(objectKey(s)),
      delete: (s) => this.queue.add(objectKey(s)),
    });
    d.pods.addHandlers({
      add: (p) => this.onPod(p),
      update: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        this.onPod(p, o);
      },
      delete: (p) => this.onPod(p),
    });
    d.endpoints.addHandlers({
      // Someone else changed or removed an Endpoints object we manage: put it back.
      update: (_o, e) => this.onEndpoints(e),
      delete: (e) => this.onEndpoints(e),
    });
  }

  private onPod(pod: Pod, old?: Pod): void {
    for (const svc of inNamespace(this.d.services.list(), pod.metadata.namespace ?? '')) {
      if (selects(svc, pod) || (old && selects(svc, old))) this.queue.add(objectKey(svc));
    }
  }

  private onEndpoints(e: Endpoints): void {
    const svc = this.d.services.get(objectKey(e));
    if (svc?.spec.selector && Object.keys(svc.spec.selector).length > 0) this.queue.add(objectKey(e));
  }

  /** After the first sync: Endpoints whose Service is gone are checked (upstream's checkLeftoverEndpoints). */
  onSynced(): void {
    for (const e of this.d.endpoints.list()) if (!this.d.services.get(objectKey(e))) this.queue.add(objectKey(e));
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.d.services.get(key);
    if (!svc) {
      try {
        await this.d.api.delete('endpoints', namespace, name);
        this.d.log.debug({ service: key }, 'service gone; endpoints deleted');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const sel = svc.spec.selector;
    if (!sel || Object.keys(sel).length === 0) return;
    const subsets = computeSubsets(svc, inNamespace(this.d.pods.list(), namespace));
    const labels = endpointsLabels(svc);
    const cur = this.d.endpoints.get(key);
    if (cur && semanticEqual(cur.subsets ?? [], subsets) && sameLabels(cur.metadata.labels, labels)) return;
    const next: Endpoints = cur
      ? { ...cur, metadata: { ...cur.metadata, labels } }
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels } };
    if (subsets.length > 0) next.subsets = subsets;
    else delete next.subsets;
    if (cur) {
      await this.d.api.update('endpoints', next);
      return;
    }
    try {
      await this.d.api.create('endpoints', next, namespace);
    } catch (err) {
      // Created meanwhile (e.g. by a previous run): the informer will bring it; sync again.
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.d.api.get<Endpoints>('endpoints', namespace, name);
      await this.d.api.update('endpoints', {
        ...existing,
        metadata: { ...existing.metadata, labels },
        subsets: subsets.length > 0 ? subsets : undefined,
      });
    }
  }
}
