/**
 * The proxier: turns the informers' Services and Endpoints into addresses on the interface,
 * listeners, and backend pools. sync() is level-triggered and idempotent: it recomputes the whole
 * desired state and changes only what differs. Pools are updated in place, so an Endpoints change
 * reaches the next connection without touching connections already forwarded. Listeners close
 * before their address goes, and addresses are added before listeners bind.
 */
import type { Logger } from 'pino';
import type { Endpoints, Service } from '@kubelab/api';
import { RoundRobin, backendKey, sameBackends } from './balancer.js';
import { cidrContains, parseCidr, type Cidr } from './cidr.js';
import { computeDesired, type ListenerSpec } from './desired.js';
import type { ListenerFactory, ProxyListener } from './listener.js';
import type { AddressManager } from './netlink.js';

/** What the proxier reads from an informer's cache. */
export interface Store<T> {
  list(): T[];
  get(key: string): T | undefined;
}

export interface ProxierOptions {
  services: Store<Service>;
  endpoints: Store<Endpoints>;
  addresses: AddressManager;
  listeners: ListenerFactory;
  log: Logger;
  /** Only addresses inside it are ever added or removed; default 10.244.128.0/17. */
  serviceCidr?: string;
  /** Where node ports listen; default 0.0.0.0. */
  nodePortHost?: string;
}

interface OpenListener {
  spec: ListenerSpec;
  listener: ProxyListener;
}

export class Proxier {
  private readonly pools = new Map<string, RoundRobin>();
  private readonly open = new Map<string, OpenListener>();
  /** Cluster IPs believed to be on the interface (only ever ones inside the service CIDR). */
  private managed = new Set<string>();
  private needAddressListing = true;
  private warned = new Set<string>();
  private readonly cidr: Cidr;
  private readonly nodePortHost: string;
  private readonly log: Logger;

  constructor(private readonly opts: ProxierOptions) {
    this.cidr = parseCidr(opts.serviceCidr ?? '10.244.128.0/17');
    this.nodePortHost = opts.nodePortHost ?? '0.0.0.0';
    this.log = opts.log;
  }

  /** The next sync lists the interface's addresses again (at start, and periodically). */
  requestAddressListing(): void {
    this.needAddressListing = true;
  }

  /**
   * Brings addresses, pools and listeners to the desired state. Throws (after doing all it
   * could) when an address operation failed, so that the caller retries with back-off.
   */
  async sync(): Promise<void> {
    const desired = computeDesired(this.opts.services.list(), (k) => this.opts.endpoints.get(k), {
      serviceCidr: this.cidr,
      nodePortHost: this.nodePortHost,
    });
    const warnings = new Set(desired.warnings);
    for (const w of warnings) if (!this.warned.has(w)) this.log.warn(w);
    this.warned = warnings;

    for (const [key, backends] of desired.pools) {
      const pool = this.pools.get(key);
      if (!pool) {
        this.pools.set(key, new RoundRobin(backends));
        this.log.info({ pool: key, endpoints: backends.map(backendKey) }, 'service port added');
      } else if (!sameBackends(pool.list(), backends)) {
        pool.set(backends);
        this.log.info({ pool: key, endpoints: backends.map(backendKey) }, 'endpoints changed');
      }
    }
    for (const key of [...this.pools.keys()]) {
      if (!desired.pools.has(key)) {
        this.pools.delete(key);
        this.log.info({ pool: key }, 'service port removed');
      }
    }

    for (const [key, cur] of [...this.open]) {
      if (desired.listeners.has(key)) continue;
      cur.listener.close();
      this.open.delete(key);
      this.log.info({ listener: key, pool: cur.spec.pool }, 'listener closed');
    }

    const errors = await this.syncAddresses(desired.addresses);

    for (const [key, spec] of desired.listeners) {
      const pool = this.pools.get(spec.pool)!;
      const cur = this.open.get(key);
      if (!cur) {
        this.open.set(key, { spec, listener: this.opts.listeners.open(spec, pool) });
        this.log.info({ listener: key, pool: spec.pool }, 'listener opened');
      } else if (cur.spec.pool !== spec.pool) {
        cur.listener.setPool(pool);
        cur.spec = spec;
        this.log.info({ listener: key, pool: spec.pool }, 'listener moved to another service port');
      }
    }

    if (errors.length > 0) throw new Error(`syncing service addresses: ${errors.join('; ')}`);
  }

  private async syncAddresses(want: Set<string>): Promise<string[]> {
    const errors: string[] = [];
    if (this.needAddressListing) {
      try {
        const present = await this.opts.addresses.list();
        this.managed = new Set(present.filter((ip) => cidrContains(this.cidr, ip)));
        this.needAddressListing = false;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    for (const ip of want) {
      if (this.managed.has(ip)) continue;
      try {
        await this.opts.addresses.add(ip);
        this.managed.add(ip);
        this.log.info({ ip }, 'service address added');
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    for (const ip of [...this.managed]) {
      if (want.has(ip)) continue;
      try {
        await this.opts.addresses.remove(ip);
        this.managed.delete(ip);
        this.log.info({ ip }, 'service address removed');
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    // A failure leaves the interface in doubt: look again next time.
    if (errors.length > 0) this.needAddressListing = true;
    return errors;
  }

  /** Resolves once every open listener is bound. */
  async listenersReady(): Promise<void> {
    await Promise.all([...this.open.values()].map((o) => o.listener.listening));
  }

  /** Listener keys → pool keys, for inspection. */
  listenerSpecs(): ListenerSpec[] {
    return [...this.open.values()].map((o) => o.spec);
  }

  pool(key: string): RoundRobin | undefined {
    return this.pools.get(key);
  }

  /** Closes every listener; addresses stay (the next start reconciles them). */
  close(): void {
    for (const o of this.open.values()) o.listener.close();
    this.open.clear();
  }
}
