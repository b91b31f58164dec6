/**
 * Service cluster IPs and node ports. Each allocation is a key of its own
 * (/registry/ranges/serviceips/<ip>, /registry/ranges/servicenodeports/<port>) written in the
 * same etcd txn as the Service, so two creations can never get the same value and the set
 * survives apiserver restarts; deleting the Service deletes its keys in the same txn.
 */
import type { Store } from '../storage/store.js';

export const IP_KEY_PREFIX = '/registry/ranges/serviceips/';
export const PORT_KEY_PREFIX = '/registry/ranges/servicenodeports/';

export interface IPRange {
  cidr: string;
  /** First and last usable address (network and broadcast excluded), as integers. */
  first: number;
  last: number;
}

export interface PortRange {
  min: number;
  max: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCIDR(cidr: string): IPRange {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid CIDR: ${cidr}`);
  const bits = Number(m[2]);
  if (bits < 8 || bits > 30) throw new Error(`CIDR ${cidr}: prefix length must be between 8 and 30`);
  const size = 2 ** (32 - bits);
  const base = ipToInt(m[1]!) - (ipToInt(m[1]!) % size);
  return { cidr: `${intToIp(base)}/${bits}`, first: base + 1, last: base + size - 2 };
}

export function parsePortRange(s: string): PortRange {
  const m = /^(\d+)-(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`invalid port range: ${s} (want e.g. 30000-30099)`);
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min < 1 || max > 65535 || min > max) throw new Error(`invalid port range: ${s}`);
  return { min, max };
}

export function inIPRange(r: IPRange, ip: string): boolean {
  try {
    const n = ipToInt(ip);
    return n >= r.first && n <= r.last;
  } catch {
    return false;
  }
}

/** The names (suffixes) of the allocation keys under prefix. */
export async function allocated(store: Store, prefix: string): Promise<Set<string>> {
  const res = await store.list(prefix);
  return new Set(res.kvs.map((kv) => kv.key.slice(prefix.length)));
}

/**
 * A free value in [first, last] not in taken (skipping `reserved`), starting at a random
 * offset so that concurrent allocators rarely collide; undefined when the range is full.
 */
export function pickFree(first: number, last: number, taken: (n: number) => boolean, random: () => number = Math.random): number | undefined {
  const size = last - first + 1;
  if (size <= 0) return undefined;
  const start = Math.floor(random() * size);
  for (let i = 0; i < size; i++) {
    const n = first + ((start + i) % size);
    if (!taken(n)) return n;
  }
  return undefined;
}
