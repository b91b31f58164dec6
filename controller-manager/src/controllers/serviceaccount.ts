/**
 * ServiceAccounts controller: every active namespace has a `default` ServiceAccount, recreated
 * when deleted (upstream's serviceaccounts-controller).
 */
import type { Logger } from 'pino';
import type { KubeObject, Namespace } from '@kubelab/api';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { isAlreadyExists, isNamespaceTerminating } from '../util/objects.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export interface ServiceAccountControllerDeps {
  api: ApiLike;
  namespaces: Cache<Namespace>;
  serviceaccounts: Cache<KubeObject>;
  queue: KeyQueue;
  log: Logger;
}

export class ServiceAccountController implements Controller {
  readonly name = 'serviceaccount-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];

  constructor(private readonly d: ServiceAccountControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.namespaces, d.serviceaccounts];
    d.namespaces.addHandlers({
      add: (ns) => this.queue.add(ns.metadata.name ?? ''),
      update: (_o, ns) => this.queue.add(ns.metadata.name ?? ''),
    });
    d.serviceaccounts.addHandlers({
      delete: (sa) => {
        if (sa.metadata.name === DEFAULT_SERVICE_ACCOUNT) this.queue.add(sa.metadata.namespace ?? '');
      },
    });
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.d.namespaces.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    if (this.d.serviceaccounts.get(`${namespace}/${DEFAULT_SERVICE_ACCOUNT}`)) return;
    try {
      await this.d.api.create(
        'serviceaccounts',
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } },
        namespace,
      );
      this.d.log.debug({ namespace }, 'created the default service account');
    } catch (err) {
      // A namespace being terminated (our cache has not shown it yet); any other refusal retries.
      if (isAlreadyExists(err) || isNamespaceTerminating(err)) return;
      throw err;
    }
  }
}
