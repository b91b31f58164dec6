/**
 * LoadBalancer controller (upstream's cloud service controller, MetalLB's shape): every Service of
 * type LoadBalancer whose spec.loadBalancerClass is unset or kubelab's gets an address from the
 * pool (KUBELAB_LB_POOL) in status.loadBalancer.ingress[].ip; kube-proxy binds it like a
 * ClusterIP. spec.loadBalancerIP asks for one address of the pool. The address is released when
 * the Service is deleted or its type changes; a Service with another class is left alone.
 */
import type { Logger } from 'pino';
import type { Service } from '@kubelab/api';
import type { EventRecorder } from '@kubelab/client/events';
import { ApiError } from '@kubelab/proto';
import type { ApiLike, Cache, Controller, KeyQueue } from '../api.js';
import { AddressPool } from './loadbalancer-pool.js';

/** The loadBalancerClass this controller serves besides an unset one. */
export const KUBELAB_LB_CLASS = 'kubelab.io/loadbalancer';

export interface LoadBalancerControllerDeps {
  api: ApiLike;
  services: Cache<Service>;
  pool: AddressPool;
  queue: KeyQueue;
  recorder: EventRecorder;
  log: Logger;
}

const keyOf = (s: Service): string => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`;

function isOurs(svc: Service): boolean {
  const cls = svc.spec['loadBalancerClass'];
  return (
    svc.spec.type === 'LoadBalancer' && (cls === undefined || cls === null || cls === '' || cls === KUBELAB_LB_CLASS)
  );
}

function statusIPs(svc: Service): string[] {
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean);
}

export class LoadBalancerController implements Controller {
  readonly name = 'loadbalancer-controller';
  readonly queue: KeyQueue;
  readonly caches: Cache<Service>[];
  /** Warnings already reported per service, so a retry does not repeat the event. */
  private readonly reported = new Map<string, string>();

  constructor(private readonly d: LoadBalancerControllerDeps) {
    this.queue = d.queue;
    this.caches = [d.services];
    const add = (s: Service): void => this.queue.add(keyOf(s));
    d.services.addHandlers({ add, update: (_o, n) => add(n), delete: add });
  }

  /** Rebuilds who holds what from the statuses, oldest Service first (it keeps a contested address). */
  onSynced(): void {
    const ours = this.d.services.list().filter(isOurs);
    ours.sort(
      (a, b) =>
        (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
        keyOf(a).localeCompare(keyOf(b)),
    );
    for (const s of ours) for (const ip of statusIPs(s)) this.d.pool.claim(ip, keyOf(s));
  }

  async reconcile(key: string): Promise<void> {
    const svc = this.d.services.get(key);
    if (!svc || svc.metadata.deletionTimestamp) {
      this.d.pool.releaseAll(key);
      this.reported.delete(key);
      return;
    }
    if (!isOurs(svc)) {
      const held = this.d.pool.held(key);
      this.d.pool.releaseAll(key);
      // Type changed away from LoadBalancer: take back what this controller wrote. Another class: hands off.
      if (
        svc.spec.type !== 'LoadBalancer' &&
        statusIPs(svc).some((ip) => held.includes(ip) || this.d.pool.contains(ip))
      )
        await this.write(svc, []);
      return;
    }
    const ip = this.choose(svc, key);
    if (!ip) return;
    this.d.pool.releaseAll(key, [ip]);
    const cur = statusIPs(svc);
    if (cur.length === 1 && cur[0] === ip) return;
    this.d.recorder.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    await this.write(svc, [ip]);
    this.d.recorder.event(svc, 'Normal', 'EnsuredLoadBalancer', `Ensured load balancer with IP ${ip}`);
  }

  private choose(svc: Service, key: string): string | undefined {
    const asked = svc.spec['loadBalancerIP'];
    if (typeof asked === 'string' && asked !== '') {
      if (!this.d.pool.contains(asked))
        return this.warn(
          svc,
          key,
          `spec.loadBalancerIP: Invalid value: "${asked}": not in the load-balancer pool ${poolText(this.d.pool)} (KUBELAB_LB_POOL)`,
        );
      if (!this.d.pool.claim(asked, key))
        return this.warn(
          svc,
          key,
          `spec.loadBalancerIP: Invalid value: "${asked}": already used by service ${this.d.pool.ownerOf(asked)}`,
        );
      this.reported.delete(key);
      return asked;
    }
    for (const ip of statusIPs(svc)) if (this.d.pool.claim(ip, key)) return ip;
    const held = this.d.pool.held(key)[0];
    if (held) return held;
    const ip = this.d.pool.allocate(key);
    if (!ip)
      return this.warn(
        svc,
        key,
        `no address left in the load-balancer pool ${poolText(this.d.pool)} (KUBELAB_LB_POOL): delete a LoadBalancer Service or widen the pool`,
      );
    this.reported.delete(key);
    return ip;
  }

  private warn(svc: Service, key: string, message: string): undefined {
    if (this.reported.get(key) !== message) {
      this.reported.set(key, message);
      this.d.recorder.event(svc, 'Warning', 'AllocationFailed', message);
      this.d.log.warn({ service: key }, message);
    }
    return undefined;
  }

  private async write(svc: Service, ips: string[]): Promise<void> {
    const next: Service = {
      ...svc,
      status: { ...svc.status, loadBalancer: ips.length > 0 ? { ingress: ips.map((ip) => ({ ip })) } : {} },
    };
    try {
      await this.d.api.updateStatus('services', next);
      this.d.log.info({ service: keyOf(svc), ingress: ips }, 'load balancer status updated');
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return;
      throw err;
    }
  }
}

function poolText(p: AddressPool): string {
  return `${[24, 16, 8, 0].map((s) => (p.cidr.base >>> s) & 255).join('.')}/${p.cidr.bits}`;
}
