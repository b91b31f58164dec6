/**
 * Shared informers: one Informer per (resource, namespace) for the whole process, so that the
 * controllers reading the same resource share one list+watch and one cache. Register every
 * handler before start(): an Informer does not replay its cache to late handlers.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '@kubelab/api';
import { Informer, type ApiClient } from '@kubelab/client';

export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(
    private readonly client: ApiClient,
    private readonly log: Logger,
  ) {}

  /** The shared informer of a resource (optionally limited to one namespace). */
  get<T extends KubeObject>(resource: string, namespace = ''): Informer<T> {
    const key = `${resource}|${namespace}`;
    let inf = this.informers.get(key);
    if (!inf) {
      if (this.started) throw new Error(`informer for ${resource} requested after start`);
      inf = new Informer<KubeObject>(
        this.client,
        resource,
        namespace ? { namespace } : {},
        this.log.child({ informer: resource }),
      );
      this.informers.set(key, inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** Runs every informer until the signal aborts. */
  start(signal: AbortSignal): Promise<void> {
    this.started = true;
    return Promise.all([...this.informers.values()].map((i) => i.run(signal))).then(() => undefined);
  }
}
