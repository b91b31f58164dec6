/**
 * The controllers of volumes, StatefulSets, autoscaling and disruption budgets, wired to the shared
 * informers: the PV binder, the Docker-volume provisioner, storage protection, StatefulSet,
 * HorizontalPodAutoscaler and disruption. The manager adds what this returns to its queued runs.
 */
import type { Logger } from 'pino';
import type { ControllerRevision, Deployment, HorizontalPodAutoscaler, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodDisruptionBudget, ReplicaSet, StatefulSet, StorageClass, Clock } from '@kubelab/api';
import { WorkQueue, type ApiClient } from '@kubelab/client';
import type { ApiEventRecorder } from '@kubelab/client/events';
import type { Controller } from './api.js';
import type { Config } from './config.js';
import type { InformerFactory } from './informers.js';
import { PersistentVolumeBinder } from './controllers/pvbinder.js';
import { DockerVolumeProvisioner } from './controllers/provisioner.js';
import { StorageProtectionController } from './controllers/pvprotection.js';
import { StatefulSetController } from './controllers/statefulset.js';
import { HorizontalPodAutoscalerController } from './controllers/hpa.js';
import { ApiMetricsClient } from './controllers/hpa-metrics.js';
import { DisruptionController } from './controllers/disruption.js';

export interface Wiring {
  client: ApiClient;
  cfg: Config;
  inf: InformerFactory;
  recorder: (component: string) => ApiEventRecorder;
  clock: Clock;
  log: Logger;
}

export interface QueuedController {
  ctrl: Controller;
  queue: WorkQueue;
  workers: number;
}

/** Upstream's default --concurrent-*-syncs for these controllers. */
const WORKERS = { statefulset: 5, hpa: 5, disruption: 1, binder: 1, provisioner: 1, protection: 1 };

export function storageAndScalingControllers(w: Wiring): QueuedController[] {
  const { client: api, cfg, inf, clock, log } = w;
  const on = (name: string): boolean => cfg.controllers.has(name as never);
  const out: QueuedController[] = [];
  const add = (workers: number, make: (queue: WorkQueue) => Controller): void => {
    const queue = new WorkQueue();
    out.push({ ctrl: make(queue), queue, workers });
  };
  const volumes = () => ({ volumes: inf.get<PersistentVolume>('persistentvolumes'), claims: inf.get<PersistentVolumeClaim>('persistentvolumeclaims') });
  if (on('persistentvolume-binder')) {
    add(WORKERS.binder, (queue) => new PersistentVolumeBinder({ api, ...volumes(), classes: inf.get<StorageClass>('storageclasses'), queue, recorder: w.recorder('persistentvolume-controller'), clock, log: log.child({ controller: 'persistentvolume-binder' }) }));
  }
  if (on('volume-provisioner')) {
    add(WORKERS.provisioner, (queue) => new DockerVolumeProvisioner({ api, ...volumes(), classes: inf.get<StorageClass>('storageclasses'), nodes: inf.get<Node>('nodes'), queue, recorder: w.recorder('kubelab.io/docker-volume'), clock, log: log.child({ controller: 'volume-provisioner' }), cluster: cfg.cluster }));
  }
  if (on('storage-protection')) {
    add(WORKERS.protection, (queue) => new StorageProtectionController({ api, ...volumes(), pods: inf.get<Pod>('pods'), queue, log: log.child({ controller: 'storage-protection' }) }));
  }
  if (on('statefulset')) {
    add(WORKERS.statefulset, (queue) => new StatefulSetController({ api, statefulsets: inf.get<StatefulSet>('statefulsets'), pods: inf.get<Pod>('pods'), claims: inf.get<PersistentVolumeClaim>('persistentvolumeclaims'), revisions: inf.get<ControllerRevision>('controllerrevisions'), queue, recorder: w.recorder('statefulset-controller'), clock, log: log.child({ controller: 'statefulset' }) }));
  }
  if (on('horizontalpodautoscaling')) {
    add(WORKERS.hpa, (queue) => new HorizontalPodAutoscalerController({ api, hpas: inf.get<HorizontalPodAutoscaler>('horizontalpodautoscalers'), pods: inf.get<Pod>('pods'), metrics: new ApiMetricsClient(api), queue, recorder: w.recorder('horizontal-pod-autoscaler'), clock, log: log.child({ controller: 'horizontalpodautoscaling' }), syncPeriodMs: cfg.hpaSyncSeconds * 1000, downscaleWindowMs: cfg.hpaDownscaleStabilizationSeconds * 1000 }));
  }
  if (on('disruption')) {
    add(WORKERS.disruption, (queue) => new DisruptionController({ api, budgets: inf.get<PodDisruptionBudget>('poddisruptionbudgets'), pods: inf.get<Pod>('pods'), replicasets: inf.get<ReplicaSet>('replicasets'), deployments: inf.get<Deployment>('deployments'), statefulsets: inf.get<StatefulSet>('statefulsets'), queue, recorder: w.recorder('controllermanager'), clock, log: log.child({ controller: 'disruption' }) }));
  }
  return out;
}
