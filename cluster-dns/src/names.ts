/** Domain names as the zone keeps them (lower case, no trailing dot) and the IPv4 ↔ name forms. */

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

const OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
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

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}

export interface Cidr {
  base: number;
  bits: number;
  text: string;
}

/** "10.244.0.0/16" → its range; throws with the value on anything else. */
export function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text.trim());
  const bits = m ? Number(m[2]) : NaN;
  if (!m || !isIPv4(m[1]!) || bits > 32) throw new Error(`invalid CIDR "${text}" (want e.g. 10.244.0.0/16)`);
  const size = 2 ** (32 - bits);
  return { base: ipToInt(m[1]!) - (ipToInt(m[1]!) % size), bits, text: text.trim() };
}

export function cidrContains(c: Cidr, ip: string): boolean {
  if (!isIPv4(ip)) return false;
  const n = ipToInt(ip);
  return n >= c.base && n < c.base + 2 ** (32 - c.bits);
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
