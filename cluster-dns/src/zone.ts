/**
 * The cluster zone's records, kept from the Services and EndpointSlices the informers hold. A
 * change to one Service or one of its slices recomputes that Service's records only (records.ts),
 * so the cost of a change does not grow with the number of Services. Lookups are map reads.
 */
import type { EndpointSlice, Service } from '@kubelab/api';
import { canonicalName } from './names.js';
import { serviceKey, serviceRecords, sliceServiceKey, type Contribution, type NameRecords } from './records.js';

const sliceKey = (s: EndpointSlice): string => `${s.metadata.namespace ?? 'default'}/${s.metadata.name ?? ''}`;

export class Zone {
  /** The cluster domain (canonical), e.g. "cluster.local". */
  readonly domain: string;
  private readonly services = new Map<string, Service>();
  /** Service key → slice key → slice (slices may come before their Service). */
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  /** Slice key → the Service key it was filed under (its label may change). */
  private readonly sliceOwner = new Map<string, string>();
  private readonly contributions = new Map<string, Contribution>();
  private readonly names = new Map<string, NameRecords>();
  private readonly ents = new Map<string, number>();
  /** Address → Service key → PTR targets. */
  private readonly ptrs = new Map<string, Map<string, string[]>>();
  /** Seconds since the epoch of the last change: the SOA serial. */
  serial: number;

  constructor(
    domain = 'cluster.local',
    private readonly now: () => number = Date.now,
  ) {
    this.domain = canonicalName(domain);
    this.serial = Math.floor(this.now() / 1000);
  }

  upsertService(svc: Service): void {
    const key = serviceKey(svc);
    this.services.set(key, svc);
    this.recompute(key);
  }

  deleteService(svc: Service): void {
    const key = serviceKey(svc);
    this.services.delete(key);
    this.recompute(key);
  }

  upsertSlice(slice: EndpointSlice): void {
    const key = sliceKey(slice);
    const owner = sliceServiceKey(slice);
    const before = this.sliceOwner.get(key);
    if (before !== undefined && before !== owner) this.dropSlice(key, before);
    if (owner === undefined) return;
    let m = this.slices.get(owner);
    if (!m) this.slices.set(owner, (m = new Map()));
    m.set(key, slice);
    this.sliceOwner.set(key, owner);
    this.recompute(owner);
  }

  deleteSlice(slice: EndpointSlice): void {
    const key = sliceKey(slice);
    const owner = this.sliceOwner.get(key);
    if (owner !== undefined) this.dropSlice(key, owner);
  }

  private dropSlice(key: string, owner: string): void {
    const m = this.slices.get(owner);
    m?.delete(key);
    if (m && m.size === 0) this.slices.delete(owner);
    this.sliceOwner.delete(key);
    this.recompute(owner);
  }

  private recompute(key: string): void {
    const old = this.contributions.get(key);
    if (old) this.withdraw(key, old);
    const svc = this.services.get(key);
    if (svc) {
      const c = serviceRecords(svc, [...(this.slices.get(key)?.values() ?? [])], this.domain);
      this.contributions.set(key, c);
      this.publish(key, c);
    } else {
      this.contributions.delete(key);
    }
    this.serial = Math.max(this.serial + 1, Math.floor(this.now() / 1000)) >>> 0;
  }

  private publish(key: string, c: Contribution): void {
    for (const [name, r] of c.names) this.names.set(name, r);
    for (const e of c.ents) this.ents.set(e, (this.ents.get(e) ?? 0) + 1);
    for (const [ip, target] of c.ptrs) {
      let bySvc = this.ptrs.get(ip);
      if (!bySvc) this.ptrs.set(ip, (bySvc = new Map()));
      const list = bySvc.get(key);
      if (list) list.includes(target) || list.push(target);
      else bySvc.set(key, [target]);
    }
  }

  private withdraw(key: string, c: Contribution): void {
    for (const [name, r] of c.names) if (this.names.get(name) === r) this.names.delete(name);
    for (const e of c.ents) {
      const n = (this.ents.get(e) ?? 0) - 1;
      if (n > 0) this.ents.set(e, n);
      else this.ents.delete(e);
    }
    for (const [ip] of c.ptrs) {
      const bySvc = this.ptrs.get(ip);
      bySvc?.delete(key);
      if (bySvc && bySvc.size === 0) this.ptrs.delete(ip);
    }
  }

  /** The records of a canonical name, if it owns any. */
  records(name: string): NameRecords | undefined {
    return this.names.get(name);
  }

  /** Whether a canonical name exists only as a parent of others (an empty non-terminal). */
  isEmptyNonTerminal(name: string): boolean {
    return this.ents.has(name);
  }

  /** PTR targets of an address, Services in key order. */
  ptr(ip: string): string[] {
    const bySvc = this.ptrs.get(ip);
    if (!bySvc) return [];
    return [...bySvc.keys()].sort().flatMap((k) => bySvc.get(k)!);
  }

  /** The ClusterIPs a Service (`ns/name`) answers with, e.g. kube-system/kube-dns for `ns.dns.<zone>`. */
  serviceAddresses(key: string): string[] {
    const [ns, name] = key.split('/');
    return this.names.get(`${name}.${ns}.svc.${this.domain}`)?.a ?? [];
  }

  get size(): { services: number; names: number } {
    return { services: this.services.size, names: this.names.size };
  }
}
