/**
 * The VolumeBinding plugin's state and API work (upstream's volume binder): it answers the pure
 * decisions (volumebinding.ts) from the claim, volume and class informers; once a node is chosen
 * it pre-binds the matching static volumes (claimRef) and hands each WaitForFirstConsumer claim
 * to its provisioner by annotating it with `volume.kubernetes.io/selected-node`, then keeps the
 * pod assumed on that node until the PV controller has bound every claim (PreBind), and binds the
 * pod only then. A binding that does not complete in time, or a claim that loses its node (its
 * provisioner gave up), sends the pod back to be scheduled afresh.
 */
import type { Logger } from 'pino';
import {
  affinityAdmits,
  claimClass,
  STORAGE,
  type Clock,
  type KubeObject,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type StorageClass,
} from '@kubelab/api';
import type { Cache } from './api.js';
import type { Filter } from './filters.js';
import { isBound, planFor, podClaimNames, volumeFilter, volumePreFilter, type VolumeState } from './volumebinding.js';

export interface VolumeApi {
  update<T extends KubeObject>(resource: string, obj: T): Promise<T>;
}

export interface VolumeBinderDeps {
  api: VolumeApi;
  claims: Cache<PersistentVolumeClaim>;
  volumes: Cache<PersistentVolume>;
  classes: Cache<StorageClass>;
  nodes: Cache<Node>;
  clock: Clock;
  log: Logger;
  /** How long a pod waits for its claims to be bound (upstream's bindTimeoutSeconds: 600). */
  bindTimeoutMs?: number;
}

export type Poll =
  | { state: 'waiting'; node: string }
  | { state: 'ready'; node: string }
  | { state: 'failed'; message: string };

interface Waiting {
  node: string;
  deadline: number;
}

export class VolumeBinder implements VolumeState {
  readonly caches: Cache<KubeObject>[];
  readonly filter: Filter;
  private readonly waiting = new Map<string, Waiting>();
  private readonly podClaims = new Map<string, string[]>();
  private changed: ((podKeys: string[]) => void) | undefined;

  constructor(private readonly d: VolumeBinderDeps) {
    this.caches = [d.claims, d.volumes, d.classes];
    this.filter = volumeFilter(this);
    const claimChanged = (c: PersistentVolumeClaim): void =>
      this.notify(c.metadata.namespace ?? '', c.metadata.name ?? '');
    d.claims.addHandlers({ add: claimChanged, update: (_o, c) => claimChanged(c), delete: claimChanged });
    d.volumes.addHandlers({ add: () => this.notify(), update: () => this.notify() });
    d.classes.addHandlers({ add: () => this.notify() });
  }

  /** Called with the waiting pods a claim change concerns (all pods when a volume or class changed). */
  onChange(fn: (podKeys: string[]) => void): void {
    this.changed = fn;
  }

  private notify(namespace?: string, claim?: string): void {
    if (!this.changed) return;
    const keys = [...this.waiting.keys()].filter(
      (k) => claim === undefined || (k.startsWith(`${namespace}/`) && (this.podClaims.get(k) ?? []).includes(claim)),
    );
    this.changed(keys);
  }

  claim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.d.claims.get(`${namespace}/${name}`);
  }
  volume(name: string): PersistentVolume | undefined {
    return this.d.volumes.get(name);
  }
  volumes(): PersistentVolume[] {
    return this.d.volumes.list();
  }
  storageClass(name: string): StorageClass | undefined {
    return name ? this.d.classes.get(name) : undefined;
  }

  preFilter(pod: Pod): string | undefined {
    return volumePreFilter(pod, this);
  }

  isWaiting(key: string): boolean {
    return this.waiting.has(key);
  }

  forget(key: string): void {
    this.waiting.delete(key);
    this.podClaims.delete(key);
  }

  /**
   * Pre-binds and hands over the pod's unbound claims for `node`. True when every claim is bound
   * already (bind the pod now); false when the pod must wait (poll it). Throws when the writes fail.
   */
  async assume(key: string, pod: Pod, node: string): Promise<boolean> {
    const nodeObj = this.d.nodes.get(node);
    if (!nodeObj) throw new Error(`node "${node}" not found`);
    const plan = planFor(pod, nodeObj, this);
    if ('reason' in plan) throw new Error(plan.reason);
    for (const { volume, claim } of plan.bindings) {
      const next = structuredClone(volume);
      next.spec.claimRef = {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: claim.metadata.namespace ?? '',
        name: claim.metadata.name ?? '',
        uid: claim.metadata.uid ?? '',
        resourceVersion: claim.metadata.resourceVersion ?? '',
      };
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [STORAGE.boundByController]: 'yes' };
      await this.d.api.update('persistentvolumes', next);
    }
    for (const claim of plan.provision) {
      if (claim.metadata.annotations?.[STORAGE.selectedNode] === node) continue;
      await this.d.api.update('persistentvolumeclaims', {
        ...claim,
        metadata: {
          ...claim.metadata,
          annotations: { ...(claim.metadata.annotations ?? {}), [STORAGE.selectedNode]: node },
        },
      });
    }
    this.podClaims.set(key, podClaimNames(pod));
    if (plan.bindings.length === 0 && plan.provision.length === 0) return true;
    this.waiting.set(key, { node, deadline: this.d.clock.now() + (this.d.bindTimeoutMs ?? 600_000) });
    this.d.log.info(
      {
        pod: key,
        node,
        volumes: plan.bindings.map((b) => b.volume.metadata.name),
        provision: plan.provision.map((c) => c.metadata.name),
      },
      'waiting for volumes to be bound',
    );
    return false;
  }

  /** Upstream's PreBind check for a waiting pod: every claim bound to a volume its node may use. */
  poll(key: string, pod: Pod): Poll | undefined {
    const w = this.waiting.get(key);
    if (!w) return undefined;
    const node = this.d.nodes.get(w.node);
    const ns = pod.metadata.namespace ?? 'default';
    let all = true;
    for (const name of podClaimNames(pod)) {
      const pvc = this.claim(ns, name);
      if (!pvc) return this.fail(key, `binding volumes: persistentvolumeclaim "${name}" not found`);
      if (isBound(pvc)) {
        const pv = this.volume(pvc.spec.volumeName ?? '');
        if (pv && node && !affinityAdmits(pv, node))
          return this.fail(
            key,
            `binding volumes: pv "${pv.metadata.name}" node affinity doesn't match node "${w.node}"`,
          );
        continue;
      }
      all = false;
      const delayed = this.storageClass(claimClass(pvc))?.volumeBindingMode === 'WaitForFirstConsumer';
      const handedOver =
        pvc.metadata.annotations?.[STORAGE.selectedNode] === w.node ||
        this.d.volumes.list().some((v) => v.spec.claimRef?.uid === pvc.metadata.uid);
      if (delayed && !handedOver)
        return this.fail(key, `binding volumes: claim "${ns}/${name}" is no longer waiting for node "${w.node}"`);
    }
    if (all) {
      this.waiting.delete(key);
      return { state: 'ready', node: w.node };
    }
    if (this.d.clock.now() > w.deadline) return this.fail(key, 'binding volumes: timed out waiting for the condition');
    return { state: 'waiting', node: w.node };
  }

  private fail(key: string, message: string): Poll {
    this.forget(key);
    return { state: 'failed', message };
  }
}
