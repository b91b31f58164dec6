/** Domain names as the zone keeps them (lower case, no trailing dot) and the IPv4 ↔ name forms. */
import { isIPv4, type Cidr } from '@kubelab/api';

/** A name as the zone keys it: lower case, without a trailing dot ("" is the root). */
export function canonicalName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** Whether `name` is `zone` or below it (both canonical). */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** The labels of `name` above `zone`, nearest the zone last: "a.b.svc.cluster.local" in "cluster.local" → ["a", "b", "svc"]. */
export function labelsBelow(name: string, zone: string): string[] {
  if (name === zone) return [];
  return name.slice(0, name.length - zone.length - 1).split('.');
}

/** "10.0.0.1" → "1.0.0.10.in-addr.arpa". */
export function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

/** "1.0.0.10.in-addr.arpa" → "10.0.0.1"; undefined for anything but a full IPv4 reverse name. */
export function ipOfReverseName(name: string): string | undefined {
  if (!name.endsWith('.in-addr.arpa')) return undefined;
  const ip = name.slice(0, -'.in-addr.arpa'.length).split('.').reverse().join('.');
  return isIPv4(ip) ? ip : undefined;
}

/** The endpoint label CoreDNS makes of an address without a hostname: "10.0.0.1" → "10-0-0-1". */
export function dashedIP(ip: string): string {
  return ip.replace(/\./g, '-');
}

/** "10-0-0-1" → "10.0.0.1" (the `<a-b-c-d>.<ns>.pod.<zone>` names); undefined when not an address. */
export function ipOfDashed(label: string): string | undefined {
  const ip = label.replace(/-/g, '.');
  return isIPv4(ip) ? ip : undefined;
}

/**
 * The reverse zone that holds a CIDR's PTR names, at the octet boundary at or above its prefix:
 * 10.244.0.0/16 → "244.10.in-addr.arpa", 10.244.128.0/17 → "244.10.in-addr.arpa".
 */
export function reverseZoneOf(c: Cidr): string {
  const octets = Math.floor(c.bits / 8);
  const parts = [(c.base >>> 24) & 255, (c.base >>> 16) & 255, (c.base >>> 8) & 255, c.base & 255].slice(0, octets);
  return [...parts.reverse().map(String), 'in-addr', 'arpa'].join('.');
}
