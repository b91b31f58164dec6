/**
 * The controller table's rows for volumes, StatefulSets, autoscaling and disruption budgets: the
 * PV binder, the Docker-volume provisioner, storage protection, StatefulSet,
 * HorizontalPodAutoscaler and disruption (see table.ts).
 */
import type { Logger } from 'pino';
import type {
  ControllerRevision,
  Deployment,
  HorizontalPodAutoscaler,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodDisruptionBudget,
  ReplicaSet,
  StatefulSet,
  StorageClass,
} from '@kubelab/api';
import type { ControllerEntry, Wiring } from './table.js';
import { PersistentVolumeBinder } from './controllers/pvbinder.js';
import { DockerVolumeProvisioner } from './controllers/provisioner.js';
import { StorageProtectionController } from './controllers/pvprotection.js';
import { StatefulSetController } from './controllers/statefulset.js';
import { HorizontalPodAutoscalerController } from './controllers/hpa.js';
import { ApiMetricsClient } from './controllers/hpa-metrics.js';
import { DisruptionController } from './controllers/disruption.js';

const volumes = (w: Wiring) => ({
  volumes: w.inf.get<PersistentVolume>('persistentvolumes'),
  claims: w.inf.get<PersistentVolumeClaim>('persistentvolumeclaims'),
});
const log = (w: Wiring, name: string): Logger => w.log.child({ controller: name });

export const STORAGE_SCALING_CONTROLLERS: readonly ControllerEntry[] = [
  {
    name: 'persistentvolume-binder',
    workers: 1,
    make: (w, queue) =>
      new PersistentVolumeBinder({
        api: w.client,
        ...volumes(w),
        classes: w.inf.get<StorageClass>('storageclasses'),
        queue,
        recorder: w.recorder('persistentvolume-controller'),
        clock: w.clock,
        log: log(w, 'persistentvolume-binder'),
      }),
  },
  {
    name: 'volume-provisioner',
    workers: 1,
    make: (w, queue) =>
      new DockerVolumeProvisioner({
        api: w.client,
        ...volumes(w),
        classes: w.inf.get<StorageClass>('storageclasses'),
        nodes: w.inf.get<Node>('nodes'),
        queue,
        recorder: w.recorder('kubelab.io/docker-volume'),
        clock: w.clock,
        log: log(w, 'volume-provisioner'),
        cluster: w.cfg.cluster,
      }),
  },
  {
    name: 'storage-protection',
    workers: 1,
    make: (w, queue) =>
      new StorageProtectionController({
        api: w.client,
        ...volumes(w),
        pods: w.inf.get<Pod>('pods'),
        queue,
        log: log(w, 'storage-protection'),
      }),
  },
  {
    name: 'statefulset',
    workers: 5,
    make: (w, queue) =>
      new StatefulSetController({
        api: w.client,
        statefulsets: w.inf.get<StatefulSet>('statefulsets'),
        pods: w.inf.get<Pod>('pods'),
        claims: w.inf.get<PersistentVolumeClaim>('persistentvolumeclaims'),
        revisions: w.inf.get<ControllerRevision>('controllerrevisions'),
        queue,
        recorder: w.recorder('statefulset-controller'),
        clock: w.clock,
        log: log(w, 'statefulset'),
      }),
  },
  {
    name: 'horizontalpodautoscaling',
    workers: 5,
    make: (w, queue) =>
      new HorizontalPodAutoscalerController({
        api: w.client,
        hpas: w.inf.get<HorizontalPodAutoscaler>('horizontalpodautoscalers'),
        pods: w.inf.get<Pod>('pods'),
        metrics: new ApiMetricsClient(w.client),
        queue,
        recorder: w.recorder('horizontal-pod-autoscaler'),
        clock: w.clock,
        log: log(w, 'horizontalpodautoscaling'),
        syncPeriodMs: w.cfg.hpaSyncSeconds * 1000,
        downscaleWindowMs: w.cfg.hpaDownscaleStabilizationSeconds * 1000,
      }),
  },
  {
    name: 'disruption',
    workers: 1,
    make: (w, queue) =>
      new DisruptionController({
        api: w.client,
        budgets: w.inf.get<PodDisruptionBudget>('poddisruptionbudgets'),
        pods: w.inf.get<Pod>('pods'),
        replicasets: w.inf.get<ReplicaSet>('replicasets'),
        deployments: w.inf.get<Deployment>('deployments'),
        statefulsets: w.inf.get<StatefulSet>('statefulsets'),
        queue,
        recorder: w.recorder('controllermanager'),
        clock: w.clock,
        log: log(w, 'disruption'),
      }),
  },
];
