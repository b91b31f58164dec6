/**
 * EndpointSlice controller: for every Service with a selector, EndpointSlices `<service>-xxxxx`
 * (label kubernetes.io/service-name, owned by the Service) listing the selected pods with
 * ready/serving/terminating conditions, node, targetRef and the resolved ports. kubectl 1.31+
 * `describe service` reads them. Slices of deleted Services are removed.
 */
import type { Logger } from 'pino';
import type { EndpointSlice, KubeObject, Pod, Service } from '@kubelab/api';
import { objectKey, splitKey } from '@kubelab/client';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import {
  desiredSlices,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  newSlice,
  SERVICE_NAME_LABEL,
  selects,
  sliceLabels,
  slicePortKey,
} from './endpointslice-compute.js';
import { inNamespace, isNotFound, semanticEqual } from '../util/objects.js';
import { WriteOverlay } from '../util/overlay.js';
import { systemClock, type Clock } from '@kubelab/api';

export interface EndpointSliceControllerDeps {
  api: ApiLike;
  services: Cache<Service>;
  pods: Cache<Pod>;
  slices: Cache<EndpointSlice>;
  queue: KeyQueue;
  log: Logger;
  clock?: Clock;
}

const serviceKeyOf = (s: EndpointSlice): string | undefined => {
  const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? `${s.metadata.namespace ?? ''}/${name}` : undefined;
};

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];
  /** Our own creates/updates/deletes until the informer shows them (no duplicate slices). */
  private readonly overlay: WriteOverlay<EndpointSlice>;

  constructor(private readonly d: EndpointSliceControllerDeps) {
    this.queue = d.queue;
    this.overlay = new WriteOverlay<EndpointSlice>(d.clock ?? systemClock);
    this.caches = [d.services, d.pods, d.slices];
    d.services.addHandlers({
      add: (s) => this.queue.add(objectKey(s)),
      update: (_o, s) => this.queue.add(objectKey(s)),
      delete: (s) => this.queue.add(objectKey(s)),
    });
    d.pods.addHandlers({
      add: (p) => this.onPod(p),
      update: (o, p) => {
        if (o.metadata.resourceVersion !== p.metadata.resourceVersion) this.onPod(p, o);
      },
      delete: (p) => this.onPod(p),
    });
    const onSlice = (s: EndpointSlice): void => {
      const k = serviceKeyOf(s);
      if (k && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) this.queue.add(k);
    };
    d.slices.addHandlers({ update: (_o, s) => onSlice(s), delete: onSlice });
  }

  private onPod(pod: Pod, old?: Pod): void {
    for (const svc of inNamespace(this.d.services.list(), pod.metadata.namespace ?? '')) {
      if (selects(svc, pod) || (old && selects(svc, old))) this.queue.add(objectKey(svc));
    }
  }

  onSynced(): void {
    for (const s of this.d.slices.list()) {
      const k = serviceKeyOf(s);
      if (k && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY && !this.d.services.get(k)) this.queue.add(k);
    }
  }

  private ours(namespace: string, name: string): EndpointSlice[] {
    return this.overlay.view(
      inNamespace(this.d.slices.list(), namespace),
      (s) =>
        (s.metadata.namespace ?? '') === namespace &&
        s.metadata.labels?.[SERVICE_NAME_LABEL] === name &&
        s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY,
    );
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.d.services.get(key);
    const existing = this.ours(namespace, name);
    if (!svc || !svc.spec.selector || Object.keys(svc.spec.selector).length === 0) {
      for (const s of existing) await this.remove(s);
      return;
    }
    const want = desiredSlices(svc, inNamespace(this.d.pods.list(), namespace));
    const labels = sliceLabels(svc);
    const unused = [...existing];
    for (const w of want) {
      const idx = unused.findIndex((s) => slicePortKey(s.ports) === w.portKey);
      const cur = idx >= 0 ? unused.splice(idx, 1)[0] : unused.shift();
      if (!cur) {
        this.overlay.wrote(await this.d.api.create('endpointslices', newSlice(svc, w), namespace));
        continue;
      }
      const same =
        semanticEqual(cur.endpoints ?? [], w.endpoints ?? []) &&
        semanticEqual(cur.ports ?? [], w.ports ?? []) &&
        semanticEqual(cur.metadata.labels, labels);
      if (same) continue;
      this.overlay.wrote(
        await this.d.api.update('endpointslices', {
          ...cur,
          metadata: { ...cur.metadata, labels },
          endpoints: w.endpoints,
          ports: w.ports,
        }),
      );
    }
    for (const s of unused) await this.remove(s);
  }

  private async remove(s: EndpointSlice): Promise<void> {
    try {
      await this.d.api.delete('endpointslices', s.metadata.namespace ?? '', s.metadata.name ?? '', {
        preconditionUid: s.metadata.uid,
      });
      this.overlay.deleted(objectKey(s));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
