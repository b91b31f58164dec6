/**
 * Per-resource behaviour around the generic registry: server-set fields on create/update and
 * extra storage writes (allocations) that must commit in the same txn as the object.
 */
import type { Clock, KubeObject } from '@kubelab/api';
import type { Store, TxnOp } from '../storage/store.js';
import type { IPRange, PortRange } from './allocator.js';
import { podStrategy } from './strategies/pods.js';
import { workloadStrategy } from './strategies/workloads.js';
import { namespaceStrategy } from './strategies/namespaces.js';
import { serviceStrategy } from './strategies/services.js';
import { emptyStatusStrategy, jobStrategy } from './strategies/batch.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './strategies/storage.js';
import { csrStrategy } from './strategies/certificates.js';

export interface Strategy {
  /** After defaulting, before prepareForCreate, on create: what an admission plugin would set (may read the store). */
  admit?(obj: KubeObject): Promise<void>;
  /** After defaulting, before validation, on create. */
  prepareForCreate?(obj: KubeObject): void;
  /** After defaulting and carrying server fields over, before validation, on update. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /**
   * Extra txn ops for writing `next` over `prev` (create: prev undefined; delete: next
   * undefined). May fill in allocated values on next. Throws ApiError for bad requests.
   */
  sideEffects?(next: KubeObject | undefined, prev: KubeObject | undefined): Promise<TxnOp[]>;
  /** After the new status is put on the stored object (`next`), before validation, on a status write. */
  prepareForStatusUpdate?(next: KubeObject, old: KubeObject, subresource: 'status' | 'approval'): void;
  /** PUT of a missing object creates it. */
  allowCreateOnUpdate?: boolean;
}

export interface StrategyConfig {
  store: Store;
  serviceRange: IPRange;
  nodePortRange: PortRange;
  random?: () => number;
  /** The registry's clock (times strategies stamp, e.g. a PV's lastPhaseTransitionTime). */
  clock?: Clock;
}

export function buildStrategies(cfg: StrategyConfig): Record<string, Strategy> {
  return {
    pods: podStrategy,
    deployments: workloadStrategy,
    replicasets: workloadStrategy,
    namespaces: namespaceStrategy,
    services: serviceStrategy(cfg),
    endpoints: { allowCreateOnUpdate: true },
    events: { allowCreateOnUpdate: true },
    leases: { allowCreateOnUpdate: true },
    nodes: {},
    jobs: jobStrategy,
    cronjobs: emptyStatusStrategy,
    daemonsets: workloadStrategy,
    statefulsets: workloadStrategy,
    horizontalpodautoscalers: emptyStatusStrategy,
    poddisruptionbudgets: emptyStatusStrategy,
    ingresses: emptyStatusStrategy,
    endpointslices: { allowCreateOnUpdate: true },
    persistentvolumes: persistentVolumeStrategy(cfg.clock ? () => cfg.clock!.now() : undefined),
    persistentvolumeclaims: persistentVolumeClaimStrategy(cfg.store),
    storageclasses: {},
    controllerrevisions: {},
    certificatesigningrequests: csrStrategy,
    roles: {},
    clusterroles: {},
    rolebindings: {},
    clusterrolebindings: {},
  };
}
