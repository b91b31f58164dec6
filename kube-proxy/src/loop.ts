/**
 * The run loop: informer events only enqueue keys; one key ("sync") reconciles the whole proxy,
 * keys "lb/<ns>/<name>" reconcile one LoadBalancer status. The first sync waits for both caches
 * (so that a restart never removes addresses of services not yet listed), and a periodic resync
 * looks at the interface again.
 */
import type { Logger } from 'pino';
import type { Endpoints, Service } from '@kubelab/api';
import { Informer, WorkQueue, objectKey } from '@kubelab/client';
import { reconcileLoadBalancer, type StatusWriter } from './lbstatus.js';
import type { Proxier } from './proxier.js';

export interface LoopDeps {
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  proxier: Proxier;
  status: StatusWriter;
  lbIP: string;
  log: Logger;
  /** Default 60 s. */
  resyncMs?: number;
}

const SYNC = 'sync';
const LB = 'lb/';

export async function runLoop(deps: LoopDeps, signal: AbortSignal): Promise<void> {
  const { services, endpoints, proxier, log } = deps;
  const queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  const onService = (svc: Service): void => {
    queue.add(SYNC);
    queue.add(LB + objectKey(svc));
  };
  services.addHandlers({ add: onService, update: (_o, n) => onService(n), delete: onService });
  endpoints.addHandlers({ add: () => queue.add(SYNC), update: () => queue.add(SYNC), delete: () => queue.add(SYNC) });

  const informers = [services.run(signal), endpoints.run(signal)];
  const synced = Promise.all([services.waitForSync(), endpoints.waitForSync()]);
  await Promise.race([synced, new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }))]);
  if (!signal.aborted) {
    log.info({ services: services.list().length, endpoints: endpoints.list().length }, 'caches synced');
    proxier.requestAddressListing();
    queue.add(SYNC);
  }

  const resync = setInterval(() => {
    proxier.requestAddressListing();
    queue.add(SYNC);
  }, deps.resyncMs ?? 60_000);

  const handle = async (key: string): Promise<void> => {
    if (key === SYNC) return proxier.sync();
    if (key.startsWith(LB)) {
      const svcKey = key.slice(LB.length);
      await reconcileLoadBalancer(services.get(svcKey), deps.lbIP, deps.status, log);
    }
  };
  try {
    await queue.run(2, handle, signal, log);
  } finally {
    clearInterval(resync);
    proxier.close();
    await Promise.allSettled(informers);
  }
}
