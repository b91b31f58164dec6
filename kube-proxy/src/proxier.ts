/**
 * The proxier: turns one Service and its EndpointSlices into addresses on the interface,
 * listeners and pools, changing only what differs from what it applied for that Service last
 * time, so the cost of a change does not grow with the number of Services and no other
 * Service's sockets are touched. Pools are updated in place: a new endpoint gets the next
 * connection, a removed one has its forwarded connections closed. Listeners close before their
 * address goes, and addresses are added before listeners bind. syncAll() (at start and
 * periodically) looks at the interface again and removes addresses nobody wants.
 */
import type { Logger } from 'pino';
import { cidrContains, mustParseCidr, type Cidr, type EndpointSlice, type Service } from '@kubelab/api';
import type { Lister } from '@kubelab/client';
import { backendKey } from './balancer.js';
import { desiredFor, type ListenerSpec, type ServiceDesired } from './desired.js';
import type { ListenerFactory, ProxyListener } from './listener.js';
import type { AddressManager } from './netlink.js';
import { ServicePool, type PoolDeps } from './pool.js';

export interface ProxierOptions extends PoolDeps {
  services: Lister<Service>;
  /** The EndpointSlices of a service key. */
  slices: (svcKey: string) => EndpointSlice[];
  addresses: AddressManager;
  listeners: ListenerFactory;
  log: Logger;
  /** Only addresses inside it (or the LB pool) are ever added or removed; default 10.244.128.0/18. */
  serviceCidr?: string;
  /** Load-balancer IPs (KUBELAB_LB_POOL) that may be bound; unset: none. */
  lbPool?: string;
  /** Where node ports listen; default 0.0.0.0. */
  nodePortHost?: string;
  /** Asks for a service to be synced again (a listener it wanted was freed by another). */
  requeue?: (svcKey: string) => void;
}

interface OpenListener {
  spec: ListenerSpec;
  listener: ProxyListener;
  owner: string;
}

interface Applied {
  addresses: string[];
  listeners: string[];
  pools: string[];
  warnings: string[];
}

const NOTHING: Applied = { addresses: [], listeners: [], pools: [], warnings: [] };

export class Proxier {
  private readonly pools = new Map<string, ServicePool>();
  private readonly open = new Map<string, OpenListener>();
  private readonly applied = new Map<string, Applied>();
  /** Listener keys another service holds → services that want them too. */
  private readonly waiting = new Map<string, Set<string>>();
  private readonly addrOwners = new Map<string, Set<string>>();
  /** Addresses believed to be on the interface (only ever ones this proxier may manage). */
  private managed = new Set<string>();
  private readonly cidr: Cidr;
  private readonly lbPool: Cidr | undefined;
  private readonly nodePortHost: string;
  private readonly log: Logger;

  constructor(private readonly opts: ProxierOptions) {
    this.cidr = mustParseCidr(opts.serviceCidr ?? '10.244.128.0/18', 'KUBELAB_SERVICE_CIDR');
    this.lbPool = opts.lbPool ? mustParseCidr(opts.lbPool, 'KUBELAB_LB_POOL') : undefined;
    this.nodePortHost = opts.nodePortHost ?? '0.0.0.0';
    this.log = opts.log;
  }

  private manages(ip: string): boolean {
    return cidrContains(this.cidr, ip) || (!!this.lbPool && cidrContains(this.lbPool, ip));
  }

  /**
   * Brings one service to its desired state. Throws (after doing all it could) when an address
   * operation failed, so that the caller retries the key with back-off.
   */
  async syncService(key: string): Promise<void> {
    const d = desiredFor(this.opts.services.get(key), this.opts.slices(key), {
      serviceCidr: this.cidr,
      lbPool: this.lbPool,
      nodePortHost: this.nodePortHost,
    });
    const prev = this.applied.get(key) ?? NOTHING;
    for (const w of d.warnings) if (!prev.warnings.includes(w)) this.log.warn(w);
    this.syncPools(key, d);
    const wanted = new Map(d.listeners.map((l) => [l.key, l]));
    for (const lk of prev.listeners) if (!wanted.has(lk)) this.closeListener(lk, key);
    const errors = await this.syncAddresses(key, prev.addresses, d.addresses);
    const held: string[] = [];
    for (const spec of d.listeners) if (this.openListener(key, spec)) held.push(spec.key);
    for (const pk of prev.pools)
      if (!d.pools.has(pk)) {
        this.pools.delete(pk);
        this.log.info({ pool: pk }, 'service port removed');
      }
    const next: Applied = { addresses: d.addresses, listeners: held, pools: [...d.pools.keys()], warnings: d.warnings };
    if (next.addresses.length + next.listeners.length + next.pools.length + next.warnings.length === 0)
      this.applied.delete(key);
    else this.applied.set(key, next);
    if (errors.length > 0) throw new Error(`syncing the addresses of ${key}: ${errors.join('; ')}`);
  }

  /**
   * Lists the interface again, syncs every service and removes the addresses no service wants.
   * At start (after the caches synced) and periodically: O(services), never per change.
   */
  async syncAll(): Promise<void> {
    const errors: string[] = [];
    try {
      const present = await this.opts.addresses.list();
      this.managed = new Set(present.filter((ip) => this.manages(ip)));
    } catch (err) {
      errors.push((err as Error).message);
    }
    const keys = new Set([
      ...this.opts.services.list().map((s) => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`),
      ...this.applied.keys(),
    ]);
    for (const key of keys) {
      try {
        await this.syncService(key);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    for (const ip of [...this.managed]) if (!this.addrOwners.has(ip)) await this.removeAddress(ip, errors);
    if (errors.length > 0) throw new Error(errors.join('; '));
  }

  private syncPools(key: string, d: ServiceDesired): void {
    for (const [pk, spec] of d.pools) {
      const pool = this.pools.get(pk);
      if (!pool) {
        this.pools.set(pk, new ServicePool(spec.backends, spec.policy, this.opts));
        this.log.info({ service: key, pool: pk, endpoints: spec.backends.map(backendKey) }, 'service port added');
        continue;
      }
      const before = pool.list().map(backendKey).join(',');
      const removed = pool.update(spec.backends, spec.policy);
      if (pool.list().map(backendKey).join(',') !== before)
        this.log.info({ service: key, pool: pk, endpoints: spec.backends.map(backendKey) }, 'endpoints changed');
      if (removed.size === 0) continue;
      for (const o of this.open.values()) if (o.spec.pool === pk) o.listener.closeConnectionsTo(removed);
    }
  }

  private closeListener(lk: string, owner: string): void {
    const cur = this.open.get(lk);
    if (cur && cur.owner === owner) {
      cur.listener.close();
      this.open.delete(lk);
      this.log.info({ listener: lk, pool: cur.spec.pool }, 'listener closed');
      const waiters = this.waiting.get(lk);
      this.waiting.delete(lk);
      for (const w of waiters ?? []) this.opts.requeue?.(w);
    }
    this.waiting.get(lk)?.delete(owner);
  }

  /** Opens (or re-points) a listener; false when another service holds its key. */
  private openListener(owner: string, spec: ListenerSpec): boolean {
    const pool = this.pools.get(spec.pool)!;
    const cur = this.open.get(spec.key);
    if (cur && cur.owner !== owner) {
      let w = this.waiting.get(spec.key);
      if (!w) this.waiting.set(spec.key, (w = new Set()));
      if (!w.has(owner))
        this.log.warn(
          `${owner}: ${spec.port}/${spec.protocol} on ${spec.host} is already used by ${cur.owner}; skipped`,
        );
      w.add(owner);
      return false;
    }
    if (!cur) {
      this.open.set(spec.key, { spec, listener: this.opts.listeners.open(spec, pool), owner });
      this.log.info({ listener: spec.key, pool: spec.pool }, 'listener opened');
    } else if (cur.spec.pool !== spec.pool || this.pools.get(cur.spec.pool) !== pool) {
      cur.listener.setPool(pool);
      cur.spec = spec;
      this.log.info({ listener: spec.key, pool: spec.pool }, 'listener moved to another service port');
    }
    return true;
  }

  private async syncAddresses(owner: string, before: string[], want: string[]): Promise<string[]> {
    const errors: string[] = [];
    for (const ip of before) {
      if (want.includes(ip)) continue;
      const owners = this.addrOwners.get(ip);
      owners?.delete(owner);
      if (owners && owners.size > 0) continue;
      this.addrOwners.delete(ip);
      await this.removeAddress(ip, errors);
    }
    for (const ip of want) {
      let owners = this.addrOwners.get(ip);
      if (!owners) this.addrOwners.set(ip, (owners = new Set()));
      owners.add(owner);
      if (this.managed.has(ip)) continue;
      try {
        await this.opts.addresses.add(ip);
        this.managed.add(ip);
        this.log.info({ ip }, 'service address added');
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    return errors;
  }

  private async removeAddress(ip: string, errors: string[]): Promise<void> {
    if (!this.managed.has(ip)) return;
    try {
      await this.opts.addresses.remove(ip);
      this.managed.delete(ip);
      this.log.info({ ip }, 'service address removed');
    } catch (err) {
      errors.push((err as Error).message);
    }
  }

  /** Resolves once every open listener is bound. */
  async listenersReady(): Promise<void> {
    await Promise.all([...this.open.values()].map((o) => o.listener.listening));
  }

  listenerSpecs(): ListenerSpec[] {
    return [...this.open.values()].map((o) => o.spec);
  }

  pool(key: string): ServicePool | undefined {
    return this.pools.get(key);
  }

  /** Closes every listener; addresses stay (the next start reconciles them). */
  close(): void {
    for (const o of this.open.values()) o.listener.close();
    this.open.clear();
  }
}
