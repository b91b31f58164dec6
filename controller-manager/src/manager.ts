/**
 * Wires the controllers to shared informers, work queues and event recorders, and runs them
 * until the signal aborts. Single replica for now: leader election would wrap run().
 */
import type { Logger } from 'pino';
import { systemClock, type Deployment, type Endpoints, type KubeObject, type Lease, type Node, type Pod, type ReplicaSet, type Service } from '@kubelab/api';
import { WorkQueue, type ApiClient } from '@kubelab/client';
import { ApiEventRecorder } from '@kubelab/client/events';
import type { Cache, Controller } from './api.js';
import type { Config } from './config.js';
import { InformerFactory } from './informers.js';
import { DeploymentController } from './controllers/deployment.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { EndpointsController } from './controllers/endpoints.js';
import { GarbageCollector } from './controllers/garbagecollector.js';
import { NodeLifecycleController, NODE_LEASE_NAMESPACE } from './controllers/nodelifecycle.js';

/** Upstream's default --concurrent-*-syncs. */
const WORKERS = { deployment: 5, replicaset: 5, endpoints: 5, garbagecollector: 20 };

interface QueueRun {
  ctrl: Controller;
  queue: WorkQueue;
  workers: number;
}

/** Resolves when every cache has synced, or when the signal aborts (then false). */
export async function waitForCaches(caches: Cache<KubeObject>[], signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((r) => {
    onAbort = (): void => r();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  await Promise.race([Promise.all(caches.map((c) => c.waitForSync())), aborted]);
  if (onAbort) signal.removeEventListener('abort', onAbort);
  return !signal.aborted;
}

export class ControllerManager {
  private readonly informers: InformerFactory;
  private readonly queued: QueueRun[] = [];
  private readonly nodeLifecycle: NodeLifecycleController | undefined;

  constructor(
    client: ApiClient,
    cfg: Config,
    private readonly log: Logger,
  ) {
    this.informers = new InformerFactory(client, log);
    const clock = systemClock;
    const recorder = (component: string): ApiEventRecorder => new ApiEventRecorder(client, { component, clock, log: log.child({ recorder: component }) });
    const inf = this.informers;
    const on = (name: string): boolean => cfg.controllers.has(name as never);
    const queue = (): WorkQueue => new WorkQueue();

    if (on('deployment')) {
      const q = queue();
      const ctrl = new DeploymentController({ api: client, deployments: inf.get<Deployment>('deployments'), replicasets: inf.get<ReplicaSet>('replicasets'), pods: inf.get<Pod>('pods'), queue: q, recorder: recorder('deployment-controller'), clock, log: log.child({ controller: 'deployment' }) });
      this.queued.push({ ctrl, queue: q, workers: WORKERS.deployment });
    }
    if (on('replicaset')) {
      const q = queue();
      const ctrl = new ReplicaSetController({ api: client, replicasets: inf.get<ReplicaSet>('replicasets'), pods: inf.get<Pod>('pods'), queue: q, recorder: recorder('replicaset-controller'), clock, log: log.child({ controller: 'replicaset' }) });
      this.queued.push({ ctrl, queue: q, workers: WORKERS.replicaset });
    }
    if (on('endpoints')) {
      const q = queue();
      const ctrl = new EndpointsController({ api: client, services: inf.get<Service>('services'), pods: inf.get<Pod>('pods'), endpoints: inf.get<Endpoints>('endpoints'), queue: q, log: log.child({ controller: 'endpoints' }) });
      this.queued.push({ ctrl, queue: q, workers: WORKERS.endpoints });
    }
    if (on('garbagecollector')) {
      const q = queue();
      const caches: Record<string, Cache<KubeObject>> = {};
      for (const r of ['deployments', 'replicasets', 'pods', 'services', 'endpoints']) caches[r] = inf.get(r);
      const ctrl = new GarbageCollector({ api: client, caches, queue: q, log: log.child({ controller: 'garbagecollector' }) });
      this.queued.push({ ctrl, queue: q, workers: WORKERS.garbagecollector });
    }
    if (on('nodelifecycle')) {
      this.nodeLifecycle = new NodeLifecycleController({
        api: client,
        nodes: inf.get<Node>('nodes'),
        leases: inf.get<Lease>('leases', NODE_LEASE_NAMESPACE),
        pods: inf.get<Pod>('pods'),
        recorder: recorder('node-controller'),
        clock,
        log: log.child({ controller: 'nodelifecycle' }),
        graceMs: cfg.nodeGraceSeconds * 1000,
        evictionMs: cfg.podEvictionSeconds * 1000,
        periodMs: cfg.nodeMonitorPeriodSeconds * 1000,
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = this.informers.start(signal);
    const runs: Promise<void>[] = [informers];
    for (const { ctrl, queue, workers } of this.queued) {
      runs.push(
        (async () => {
          if (!(await waitForCaches(ctrl.caches, signal))) return;
          this.log.info({ controller: ctrl.name, workers }, 'caches synced; starting workers');
          ctrl.onSynced?.();
          await queue.run(workers, (key) => ctrl.reconcile(key), signal, this.log.child({ controller: ctrl.name }));
        })(),
      );
    }
    if (this.nodeLifecycle) {
      const nl = this.nodeLifecycle;
      runs.push(
        (async () => {
          if (!(await waitForCaches(nl.caches, signal))) return;
          this.log.info({ controller: nl.name }, 'caches synced; monitoring node health');
          await nl.run(signal);
        })(),
      );
    }
    await Promise.all(runs);
  }
}
