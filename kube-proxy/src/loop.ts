/**
 * The run loop: informer events only enqueue keys. A Service or EndpointSlice change enqueues
 * that Service's key, which syncs that Service alone; the key "all" (once both caches synced, so
 * that a restart never removes addresses of services not yet listed, and then periodically)
 * looks at the interface again and syncs everything. One worker: syncs never interleave.
 */
import type { Logger } from 'pino';
import type { EndpointSlice, Pod, Service } from '@kubelab/api';
import { Informer, WorkQueue, objectKey, waitForCacheSync } from '@kubelab/client';
import type { PodNodes } from './pod-nodes.js';

/** What the loop drives: the user-space Proxier or the kernel (nftables) one. */
export interface ServiceProxier {
  syncService(key: string): Promise<void>;
  syncAll(): Promise<void>;
  /** Pod IPs of the nodes changed (traffic policy Local). */
  syncNodes?(): Promise<void>;
  close(): void;
}
import type { SliceIndex } from './slices.js';

export interface LoopDeps {
  services: Informer<Service>;
  slices: Informer<EndpointSlice>;
  sliceIndex: SliceIndex;
  pods?: Informer<Pod>;
  podNodes?: PodNodes;
  proxier: ServiceProxier;
  queue: WorkQueue;
  log: Logger;
  /** Default 60 s. */
  resyncMs?: number;
  /** The least time between two node syncs; default 1 s, as upstream's --min-sync-period. */
  minNodeSyncMs?: number;
}

/**
 * A key run at most once per `ms`, start to start: a rollout changes pod IPs many times a second,
 * and each node sync runs nft. A request comes through at once when the last run began long enough
 * ago, else when it will have.
 */
export class MinInterval {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly queue: Pick<WorkQueue, 'addAfter'>,
    readonly key: string,
    private readonly ms: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  request(): void {
    this.queue.addAfter(this.key, this.last + this.ms - this.now());
  }

  /** The key's run begins. */
  began(): void {
    this.last = this.now();
  }
}

const ALL = 'all';
const NODES = 'nodes';
const SVC = 'svc/';

export const serviceQueueKey = (svcKey: string): string => SVC + svcKey;

export async function runLoop(deps: LoopDeps, signal: AbortSignal): Promise<void> {
  const { services, slices, sliceIndex, proxier, queue, log } = deps;
  const onService = (svc: Service): void => queue.add(serviceQueueKey(objectKey(svc)));
  const onKeys = (keys: string[]): void => keys.forEach((k) => queue.add(serviceQueueKey(k)));
  services.addHandlers({ add: onService, update: (_o, n) => onService(n), delete: onService });
  slices.addHandlers({
    add: (s) => onKeys(sliceIndex.put(s)),
    update: (o, n) => onKeys(sliceIndex.put(n, o)),
    delete: (s) => onKeys(sliceIndex.remove(s)),
  });
  const podNodes = deps.podNodes;
  const nodeSyncs = new MinInterval(queue, NODES, deps.minNodeSyncMs ?? 1_000);
  const nodesChanged = (): void => {
    if (proxier.syncNodes) nodeSyncs.request();
  };
  if (deps.pods && podNodes) {
    deps.pods.addHandlers({
      add: (p) => (podNodes.put(p), nodesChanged()),
      update: (o, n) => (podNodes.put(n, o), o.status?.podIP !== n.status?.podIP && nodesChanged()),
      delete: (p) => (podNodes.remove(p), nodesChanged()),
    });
  }

  const informers = [services.run(signal), slices.run(signal), ...(deps.pods ? [deps.pods.run(signal)] : [])];
  if (await waitForCacheSync([services, slices], signal)) {
    log.info({ services: services.list().length, endpointSlices: slices.list().length }, 'caches synced');
    queue.add(ALL);
  }
  const resync = setInterval(() => queue.add(ALL), deps.resyncMs ?? 60_000);

  let started = false;
  const handle = async (key: string): Promise<void> => {
    if (key === ALL) {
      started = true;
      const t0 = performance.now();
      await proxier.syncAll();
      log.debug({ services: services.list().length, ms: Math.round(performance.now() - t0) }, 'full sync done');
      return;
    }
    if (key === NODES) {
      if (!started) return;
      nodeSyncs.began();
      return proxier.syncNodes?.();
    }
    // Before the first full sync a service key is covered by it (and the interface not yet listed).
    if (started && key.startsWith(SVC)) await proxier.syncService(key.slice(SVC.length));
  };
  try {
    await queue.run(1, handle, signal, log);
  } finally {
    clearInterval(resync);
    proxier.close();
    await Promise.allSettled(informers);
  }
}
