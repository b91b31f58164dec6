/**
 * The controller table: every controller the manager can run, by the name KUBELAB_CONTROLLERS
 * uses, with upstream's default worker count (--concurrent-*-syncs) and how it is made from the
 * shared informers. The manager runs each enabled entry the same way; adding a controller is one
 * row here (workloads and networking below, volumes and autoscaling in storage-scaling.ts).
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  cidrsOverlap,
  type Clock,
  type CronJob,
  type DaemonSet,
  type Deployment,
  type Endpoints,
  type EndpointSlice,
  type Job,
  type KubeObject,
  type Lease,
  type Namespace,
  type Node,
  type Pod,
  type ReplicaSet,
  type RoleObject,
  type Service,
} from '@kubelab/api';
import type { ApiClient, WorkQueue } from '@kubelab/client';
import type { ApiEventRecorder } from '@kubelab/client/events';
import type { Cache, Controller } from './api.js';
import type { Config, ControllerName } from './config.js';
import type { InformerFactory } from './informers.js';
import { CronJobController } from './controllers/cronjob.js';
import { DaemonSetController } from './controllers/daemonset.js';
import { DeploymentController } from './controllers/deployment.js';
import { EndpointsController } from './controllers/endpoints.js';
import { EndpointSliceController } from './controllers/endpointslice.js';
import { GarbageCollector } from './controllers/garbagecollector.js';
import { JobController } from './controllers/job.js';
import { AddressPool, parsePoolCidr } from './controllers/loadbalancer-pool.js';
import { LoadBalancerController } from './controllers/loadbalancer.js';
import { NODE_LEASE_NAMESPACE, NodeLifecycleController } from './controllers/nodelifecycle.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { ServiceAccountController } from './controllers/serviceaccount.js';
import { RootCaPublisher } from './controllers/rootcacert.js';
import { ClusterRoleAggregationController } from './controllers/clusterrole-aggregation.js';

/** What every entry is made from. */
export interface Wiring {
  client: ApiClient;
  cfg: Config;
  inf: InformerFactory;
  recorder: (component: string) => ApiEventRecorder;
  clock: Clock;
  log: Logger;
}

export interface ControllerEntry {
  name: ControllerName;
  workers: number;
  /** The controller feeding `queue`; undefined when its settings keep it off (logged). */
  make(w: Wiring, queue: WorkQueue): Controller | undefined;
}

/** Owner → dependent kinds the garbage collector follows (dependents are checked for dangling owners). */
export const GC_RESOURCES = [
  'deployments',
  'replicasets',
  'pods',
  'services',
  'endpoints',
  'endpointslices',
  'jobs',
  'cronjobs',
  'daemonsets',
  'statefulsets',
  'persistentvolumeclaims',
  'controllerrevisions',
];
export const GC_DEPENDENTS = [
  'replicasets',
  'pods',
  'jobs',
  'endpointslices',
  'persistentvolumeclaims',
  'controllerrevisions',
];

const log = (w: Wiring, name: string): Logger => w.log.child({ controller: name });

function loadBalancer(w: Wiring, queue: WorkQueue): Controller | undefined {
  const cidr = parsePoolCidr('KUBELAB_LB_POOL', w.cfg.lbPool);
  if (cidrsOverlap(cidr, parsePoolCidr('KUBELAB_SERVICE_CIDR', w.cfg.serviceCIDR))) {
    // Not fatal: every other controller keeps working; LoadBalancer Services stay <pending>.
    w.log.error(
      `KUBELAB_LB_POOL: Invalid value: "${w.cfg.lbPool}": overlaps KUBELAB_SERVICE_CIDR ${w.cfg.serviceCIDR}: pick a block of the lab's subnet outside the pod range and the service CIDR; the loadbalancer controller is off`,
    );
    return undefined;
  }
  return new LoadBalancerController({
    api: w.client,
    services: w.inf.get<Service>('services'),
    pool: new AddressPool(cidr),
    queue,
    recorder: w.recorder('service-controller'),
    log: log(w, 'loadbalancer'),
  });
}

function rootCaPublisher(w: Wiring, queue: WorkQueue): Controller | undefined {
  if (!w.cfg.rootCaFile) {
    w.log.warn(
      'no KUBELAB_ROOT_CA_FILE or KUBELAB_API_CA_FILE: the root-ca-cert-publisher is off (no kube-root-ca.crt ConfigMaps)',
    );
    return undefined;
  }
  const caCert = readFileSync(w.cfg.rootCaFile, 'utf8');
  return new RootCaPublisher({
    api: w.client,
    namespaces: w.inf.get<Namespace>('namespaces'),
    configmaps: w.inf.get('configmaps'),
    caCert,
    queue,
    log: log(w, 'root-ca-cert-publisher'),
  });
}

function garbageCollector(w: Wiring, queue: WorkQueue): Controller {
  const caches: Record<string, Cache<KubeObject>> = {};
  for (const r of GC_RESOURCES) caches[r] = w.inf.get(r);
  return new GarbageCollector({
    api: w.client,
    caches,
    dependents: GC_DEPENDENTS,
    queue,
    log: log(w, 'garbagecollector'),
  });
}

export const WORKLOAD_CONTROLLERS: readonly ControllerEntry[] = [
  {
    name: 'deployment',
    workers: 5,
    make: (w, queue) =>
      new DeploymentController({
        api: w.client,
        deployments: w.inf.get<Deployment>('deployments'),
        replicasets: w.inf.get<ReplicaSet>('replicasets'),
        pods: w.inf.get<Pod>('pods'),
        queue,
        recorder: w.recorder('deployment-controller'),
        clock: w.clock,
        log: log(w, 'deployment'),
      }),
  },
  {
    name: 'replicaset',
    workers: 5,
    make: (w, queue) =>
      new ReplicaSetController({
        api: w.client,
        replicasets: w.inf.get<ReplicaSet>('replicasets'),
        pods: w.inf.get<Pod>('pods'),
        queue,
        recorder: w.recorder('replicaset-controller'),
        clock: w.clock,
        log: log(w, 'replicaset'),
      }),
  },
  {
    name: 'endpoints',
    workers: 5,
    make: (w, queue) =>
      new EndpointsController({
        api: w.client,
        services: w.inf.get<Service>('services'),
        pods: w.inf.get<Pod>('pods'),
        endpoints: w.inf.get<Endpoints>('endpoints'),
        queue,
        log: log(w, 'endpoints'),
      }),
  },
  {
    name: 'endpointslice',
    workers: 5,
    make: (w, queue) =>
      new EndpointSliceController({
        api: w.client,
        services: w.inf.get<Service>('services'),
        pods: w.inf.get<Pod>('pods'),
        slices: w.inf.get<EndpointSlice>('endpointslices'),
        queue,
        clock: w.clock,
        log: log(w, 'endpointslice'),
      }),
  },
  {
    name: 'job',
    workers: 5,
    make: (w, queue) =>
      new JobController({
        api: w.client,
        jobs: w.inf.get<Job>('jobs'),
        pods: w.inf.get<Pod>('pods'),
        queue,
        recorder: w.recorder('job-controller'),
        clock: w.clock,
        log: log(w, 'job'),
      }),
  },
  {
    name: 'cronjob',
    workers: 5,
    make: (w, queue) =>
      new CronJobController({
        api: w.client,
        cronjobs: w.inf.get<CronJob>('cronjobs'),
        jobs: w.inf.get<Job>('jobs'),
        queue,
        recorder: w.recorder('cronjob-controller'),
        clock: w.clock,
        log: log(w, 'cronjob'),
      }),
  },
  {
    name: 'daemonset',
    workers: 2,
    make: (w, queue) =>
      new DaemonSetController({
        api: w.client,
        daemonsets: w.inf.get<DaemonSet>('daemonsets'),
        pods: w.inf.get<Pod>('pods'),
        nodes: w.inf.get<Node>('nodes'),
        queue,
        recorder: w.recorder('daemonset-controller'),
        clock: w.clock,
        log: log(w, 'daemonset'),
      }),
  },
  {
    name: 'serviceaccount',
    workers: 1,
    make: (w, queue) =>
      new ServiceAccountController({
        api: w.client,
        namespaces: w.inf.get<Namespace>('namespaces'),
        serviceaccounts: w.inf.get('serviceaccounts'),
        queue,
        log: log(w, 'serviceaccount'),
      }),
  },
  { name: 'root-ca-cert-publisher', workers: 1, make: rootCaPublisher },
  {
    name: 'clusterrole-aggregation',
    workers: 1,
    make: (w, queue) =>
      new ClusterRoleAggregationController({
        api: w.client,
        clusterroles: w.inf.get<RoleObject>('clusterroles'),
        queue,
        log: log(w, 'clusterrole-aggregation'),
      }),
  },
  { name: 'loadbalancer', workers: 1, make: loadBalancer },
  { name: 'garbagecollector', workers: 20, make: garbageCollector },
  {
    name: 'nodelifecycle',
    workers: 1,
    make: (w, queue) =>
      new NodeLifecycleController({
        api: w.client,
        nodes: w.inf.get<Node>('nodes'),
        leases: w.inf.get<Lease>('leases', NODE_LEASE_NAMESPACE),
        pods: w.inf.get<Pod>('pods'),
        queue,
        recorder: w.recorder('node-controller'),
        clock: w.clock,
        log: log(w, 'nodelifecycle'),
        graceMs: w.cfg.nodeGraceSeconds * 1000,
        evictionMs: w.cfg.podEvictionSeconds * 1000,
        periodMs: w.cfg.nodeMonitorPeriodSeconds * 1000,
      }),
  },
];
