/**
 * Service cluster IPs and node ports. Each allocation is a key of its own
 * (/registry/ranges/serviceips/<ip>, /registry/ranges/servicenodeports/<port>) written in the
 * same etcd txn as the Service, so two creations can never get the same value and the set
 * survives apiserver restarts; deleting the Service deletes its keys in the same txn.
 */
import { cidrSize, formatCidr, mustParseCidr, parseIPv4 } from '@kubelab/api';
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

/** The service CIDR's usable range; throws `KUBELAB_SERVICE_CIDR: Invalid value: ...` on a bad value. */
export function parseCIDR(cidr: string): IPRange {
  const c = mustParseCidr(cidr, 'KUBELAB_SERVICE_CIDR', { minBits: 8, maxBits: 30, example: '10.244.128.0/17' });
  return { cidr: formatCidr(c), first: c.base + 1, last: c.base + cidrSize(c) - 2 };
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
  const n = parseIPv4(ip);
  return n !== undefined && n >= r.first && n <= r.last;
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
export function pickFree(
  first: number,
  last: number,
  taken: (n: number) => boolean,
  random: () => number = Math.random,
): number | undefined {
  const size = last - first + 1;
  if (size <= 0) return undefined;
  const start = Math.floor(random() * size);
  for (let i = 0; i < size; i++) {
    const n = first + ((start + i) % size);
    if (!taken(n)) return n;
  }
  return undefined;
}
