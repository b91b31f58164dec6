/**
 * Wires the controllers to shared informers, work queues and event recorders, and runs them
 * until the signal aborts (main.ts builds one only in the holder of the leader election Lease).
 */
import type { Logger } from 'pino';
import { cidrsOverlap, systemClock, type CronJob, type DaemonSet, type Deployment, type Endpoints, type EndpointSlice, type Job, type KubeObject, type Lease, type Namespace, type Node, type Pod, type ReplicaSet, type Service } from '@kubelab/api';
import { WorkQueue, waitForCacheSync, type ApiClient } from '@kubelab/client';
import { ApiEventRecorder } from '@kubelab/client/events';
import type { Cache, Controller } from './api.js';
import type { Config } from './config.js';
import { InformerFactory } from './informers.js';
import { DeploymentController } from './controllers/deployment.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { EndpointsController } from './controllers/endpoints.js';
import { GarbageCollector } from './controllers/garbagecollector.js';
import { EndpointSliceController } from './controllers/endpointslice.js';
import { JobController } from './controllers/job.js';
import { CronJobController } from './controllers/cronjob.js';
import { DaemonSetController } from './controllers/daemonset.js';
import { storageAndScalingControllers } from './storage-scaling.js';
import { ServiceAccountController } from './controllers/serviceaccount.js';
import { LoadBalancerController } from './controllers/loadbalancer.js';
import { AddressPool, parsePoolCidr } from './controllers/loadbalancer-pool.js';
import { NodeLifecycleController, NODE_LEASE_NAMESPACE } from './controllers/nodelifecycle.js';

/** Upstream's default --concurrent-*-syncs. */
const WORKERS = { deployment: 5, replicaset: 5, endpoints: 5, endpointslice: 5, job: 5, cronjob: 5, daemonset: 2, garbagecollector: 20 };

/** Owner → dependent kinds the garbage collector follows (dependents are checked for dangling owners). */
export const GC_RESOURCES = ['deployments', 'replicasets', 'pods', 'services', 'endpoints', 'endpointslices', 'jobs', 'cronjobs', 'daemonsets', 'statefulsets', 'persistentvolumeclaims', 'controllerrevisions'];
export const GC_DEPENDENTS = ['replicasets', 'pods', 'jobs', 'endpointslices', 'persistentvolumeclaims', 'controllerrevisions'];

interface QueueRun {
  ctrl: Controller;
  queue: WorkQueue;
  workers: number;
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
    if (on('endpointslice')) {
      const q = queue();
      const ctrl = new EndpointSliceController({ api: client, services: inf.get<Service>('services'), pods: inf.get<Pod>('pods'), slices: inf.get<EndpointSlice>('endpointslices'), queue: q, clock, log: log.child({ controller: 'endpointslice' }) });
      this.queued.push({ ctrl, queue: q, workers: WORKERS.endpointslice });
    }
    if (on('job')) {
      const q = queue();
      const ctrl = new JobController({ api: client, jobs: inf.get<Job>('jobs'), pods: inf.get<Pod>('pods'), queue: q, recorder: recorder('job-controller'), clock, log: log.child({ controller: 'job' }) });
      this.queued.push({ ctrl, queue: q, workers: WORKERS.job });
    }
    if (on('cronjob')) {
      const q = queue();
      const ctrl = new CronJobController({ api: client, cronjobs: inf.get<CronJob>('cronjobs'), jobs: inf.get<Job>('jobs'), queue: q, recorder: recorder('cronjob-controller'), clock, log: log.child({ controller: 'cronjob' }) });
      this.queued.push({ ctrl, queue: q, workers: WORKERS.cronjob });
    }
    if (on('daemonset')) {
      const q = queue();
      const ctrl = new DaemonSetController({ api: client, daemonsets: inf.get<DaemonSet>('daemonsets'), pods: inf.get<Pod>('pods'), nodes: inf.get<Node>('nodes'), queue: q, recorder: recorder('daemonset-controller'), clock, log: log.child({ controller: 'daemonset' }) });
      this.queued.push({ ctrl, queue: q, workers: WORKERS.daemonset });
    }
    this.queued.push(...storageAndScalingControllers({ client, cfg, inf, recorder, clock, log }));
    if (on('serviceaccount')) {
      const q = queue();
      const ctrl = new ServiceAccountController({ api: client, namespaces: inf.get<Namespace>('namespaces'), serviceaccounts: inf.get('serviceaccounts'), queue: q, log: log.child({ controller: 'serviceaccount' }) });
      this.queued.push({ ctrl, queue: q, workers: 1 });
    }
    if (on('loadbalancer')) {
      const cidr = parsePoolCidr('KUBELAB_LB_POOL', cfg.lbPool);
      if (cidrsOverlap(cidr, parsePoolCidr('KUBELAB_SERVICE_CIDR', cfg.serviceCIDR))) {
        // Not fatal: every other controller keeps working; LoadBalancer Services stay <pending>.
        log.error(`KUBELAB_LB_POOL: Invalid value: "${cfg.lbPool}": overlaps KUBELAB_SERVICE_CIDR ${cfg.serviceCIDR}: pick a block of the lab's subnet outside the pod range and the service CIDR; the loadbalancer controller is off`);
      } else {
        const q = queue();
        const ctrl = new LoadBalancerController({ api: client, services: inf.get<Service>('services'), pool: new AddressPool(cidr), queue: q, recorder: recorder('service-controller'), log: log.child({ controller: 'loadbalancer' }) });
        this.queued.push({ ctrl, queue: q, workers: 1 });
      }
    }
    if (on('garbagecollector')) {
      const q = queue();
      const caches: Record<string, Cache<KubeObject>> = {};
      for (const r of GC_RESOURCES) caches[r] = inf.get(r);
      const ctrl = new GarbageCollector({ api: client, caches, dependents: GC_DEPENDENTS, queue: q, log: log.child({ controller: 'garbagecollector' }) });
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
          if (!(await waitForCacheSync(ctrl.caches, signal))) return;
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
          if (!(await waitForCacheSync(nl.caches, signal))) return;
          this.log.info({ controller: nl.name }, 'caches synced; monitoring node health');
          await nl.run(signal);
        })(),
      );
    }
    await Promise.all(runs);
  }
}
