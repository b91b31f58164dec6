/**
 * The control side of the ingress controller: keeps the route table in step with our Ingresses
 * (rebuilt on any Ingress or IngressClass change; Services, slices and Secrets are read at
 * request time), makes the kubelab and nginx IngressClasses when missing, and writes
 * status.loadBalancer.ingress of our Ingresses so `kubectl get ingress` shows an ADDRESS.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';
import { WorkQueue, objectKey, waitForCacheSync, type Informer } from '@kubelab/client';
import { ApiError } from '@kubelab/proto';
import { classView, isOurs, wantedClasses, type IngressClass } from './classes.js';
import { buildTable, type Ingress, type RouteTable } from './routes.js';

export interface ControllerApi {
  create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T>;
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T>;
}

export interface ControllerDeps {
  api: ControllerApi;
  ingresses: Informer<Ingress & KubeObject>;
  classes: Informer<IngressClass>;
  /** What status.loadBalancer.ingress[].ip says (the host address the ports are published on). */
  address: string;
  log: Logger;
}

const CLASSES = 'classes';

export class IngressController {
  private table: RouteTable = buildTable([]);
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 30_000 });

  constructor(private readonly d: ControllerDeps) {
    const rebuild = (): void => this.rebuild();
    const onIngress = (i: Ingress & KubeObject): void => {
      rebuild();
      this.queue.add(objectKey(i));
    };
    d.ingresses.addHandlers({ add: onIngress, update: (_o, n) => onIngress(n), delete: rebuild });
    d.classes.addHandlers({
      add: () => this.onClasses(),
      update: () => this.onClasses(),
      delete: () => this.onClasses(),
    });
  }

  routes(): RouteTable {
    return this.table;
  }

  private onClasses(): void {
    this.rebuild();
    this.queue.add(CLASSES);
    for (const i of this.d.ingresses.list()) this.queue.add(objectKey(i));
  }

  private rebuild(): void {
    const view = classView(this.d.classes.list());
    this.table = buildTable(this.d.ingresses.list().filter((i) => isOurs(i, view)));
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.d.ingresses.run(signal), this.d.classes.run(signal)];
    await waitForCacheSync([this.d.ingresses, this.d.classes], signal);
    this.queue.add(CLASSES);
    try {
      await this.queue.run(
        1,
        (key) => (key === CLASSES ? this.ensureClasses() : this.syncStatus(key)),
        signal,
        this.d.log,
      );
    } finally {
      await Promise.allSettled(informers);
    }
  }

  private async ensureClasses(): Promise<void> {
    for (const c of wantedClasses()) {
      if (this.d.classes.get(c.metadata.name ?? '')) continue;
      try {
        await this.d.api.create('ingressclasses', c);
        this.d.log.info({ ingressClass: c.metadata.name }, 'IngressClass created');
      } catch (err) {
        if (ApiError.from(err).reason !== 'AlreadyExists') throw err;
      }
    }
  }

  private async syncStatus(key: string): Promise<void> {
    const ing = this.d.ingresses.get(key);
    if (!ing) return;
    const ours = isOurs(ing, classView(this.d.classes.list()));
    const cur = ing.status?.loadBalancer?.ingress ?? [];
    const want = ours ? [{ ip: this.d.address }] : cur.every((c) => c.ip === this.d.address) ? [] : cur;
    if (JSON.stringify(cur) === JSON.stringify(want)) return;
    try {
      await this.d.api.updateStatus('ingresses', {
        ...ing,
        status: { ...ing.status, loadBalancer: want.length > 0 ? { ingress: want } : {} },
      });
      this.d.log.info({ ingress: key, address: want.map((w) => w.ip) }, 'ingress status updated');
    } catch (err) {
      const e = ApiError.from(err);
      if (e.reason === 'NotFound') return;
      throw e;
    }
  }
}
