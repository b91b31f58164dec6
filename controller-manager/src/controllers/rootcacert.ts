/**
 * Root CA certificate publisher: every active namespace holds the ConfigMap `kube-root-ca.crt`
 * with the cluster CA under `ca.crt` (what in-cluster clients verify the apiserver with, mounted by
 * every pod's kube-api-access volume), recreated when deleted and put back when edited, as
 * upstream's root-ca-cert-publisher.
 */
import type { Logger } from 'pino';
import type { KubeObject, Namespace } from '@kubelab/api';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { isAlreadyExists, isNamespaceTerminating } from '../util/objects.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** Upstream's annotation naming where the certificate comes from. */
const DESCRIPTION = 'kubernetes.io/description';
const DESCRIPTION_TEXT =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCaPublisherDeps {
  api: ApiLike;
  namespaces: Cache<Namespace>;
  configmaps: Cache<KubeObject>;
  /** The cluster CA certificate (PEM). */
  caCert: string;
  queue: KeyQueue;
  log: Logger;
}

export class RootCaPublisher implements Controller {
  readonly name = 'root-ca-cert-publisher';
  readonly queue: KeyQueue;
  readonly caches: Cache<KubeObject>[];

  constructor(private readonly d: RootCaPublisherDeps) {
    this.queue = d.queue;
    this.caches = [d.namespaces, d.configmaps];
    const ns = (o: KubeObject): void => this.queue.add(o.metadata.name ?? '');
    const cm = (o: KubeObject): void => {
      if (o.metadata.name === ROOT_CA_CONFIGMAP) this.queue.add(o.metadata.namespace ?? '');
    };
    d.namespaces.addHandlers({ add: ns, update: (_o, n) => ns(n) });
    d.configmaps.addHandlers({ update: (_o, n) => cm(n), delete: cm });
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.d.namespaces.get(namespace);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    const data = { 'ca.crt': this.d.caCert };
    const cur = this.d.configmaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`);
    try {
      if (!cur) {
        const cm = {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION]: DESCRIPTION_TEXT } },
          data,
        };
        await this.d.api.create('configmaps', cm, namespace);
        this.d.log.debug({ namespace }, 'published the root CA certificate');
        return;
      }
      const curData = (cur as KubeObject & { data?: Record<string, string> }).data ?? {};
      if (Object.keys(curData).length === 1 && curData['ca.crt'] === this.d.caCert) return;
      await this.d.api.update('configmaps', { ...cur, data });
    } catch (err) {
      // A namespace being terminated (our cache has not shown it yet); any other refusal retries.
      if (isAlreadyExists(err) || isNamespaceTerminating(err)) return;
      throw err;
    }
  }
}
