/**
 * The address pool of the LoadBalancer controller (pure): a CIDR on the lab's own Docker network
 * (KUBELAB_LB_POOL), outside the pod range and the service CIDR, and who holds which address.
 */

export interface Cidr {
  base: number;
  bits: number;
}

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** Parses "a.b.c.d/n"; throws with the setting's name on anything else. */
export function parsePoolCidr(name: string, raw: string): Cidr {
  const [ip, len] = raw.split('/');
  const base = ip ? ipToInt(ip) : undefined;
  const bits = Number(len);
  if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 32) {
    throw new Error(`${name}: Invalid value: "${raw}": must be an IPv4 CIDR such as 10.244.192.0/24 (prefix length 8 to 32)`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, bits };
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function inCidr(c: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n !== undefined && n >= c.base && n < c.base + cidrSize(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

export class AddressPool {
  private readonly owners = new Map<string, string>();
  private readonly first: number;
  private readonly last: number;

  constructor(readonly cidr: Cidr) {
    const size = cidrSize(cidr);
    // The network and broadcast addresses are left out where the block has room for hosts.
    this.first = size >= 4 ? cidr.base + 1 : cidr.base;
    this.last = size >= 4 ? cidr.base + size - 2 : cidr.base + size - 1;
  }

  /** Whether ip is one the pool hands out. */
  contains(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && n >= this.first && n <= this.last;
  }

  ownerOf(ip: string): string | undefined {
    return this.owners.get(ip);
  }

  /** Takes ip for owner; false when someone else holds it or it is not in the pool. */
  claim(ip: string, owner: string): boolean {
    if (!this.contains(ip)) return false;
    const cur = this.owners.get(ip);
    if (cur !== undefined && cur !== owner) return false;
    this.owners.set(ip, owner);
    return true;
  }

  /** The lowest free address, claimed for owner; undefined when the pool is full. */
  allocate(owner: string): string | undefined {
    for (let n = this.first; n <= this.last; n++) {
      const ip = intToIp(n);
      if (!this.owners.has(ip)) {
        this.owners.set(ip, owner);
        return ip;
      }
    }
    return undefined;
  }

  /** Releases every address owner holds except those in keep. */
  releaseAll(owner: string, keep: string[] = []): void {
    for (const [ip, o] of [...this.owners]) if (o === owner && !keep.includes(ip)) this.owners.delete(ip);
  }

  held(owner: string): string[] {
    return [...this.owners].filter(([, o]) => o === owner).map(([ip]) => ip);
  }
}
