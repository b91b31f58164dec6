/**
 * The address pool of the LoadBalancer controller (pure): a CIDR on the lab's own Docker network
 * (KUBELAB_LB_POOL), outside the pod range and the service CIDR, and who holds which address.
 */
import { cidrSize, formatIPv4, mustParseCidr, parseIPv4, type Cidr } from '@kubelab/api';

/** Parses the pool setting "a.b.c.d/n" (prefix 8 to 32); throws with the setting's name on anything else. */
export function parsePoolCidr(name: string, raw: string): Cidr {
  return mustParseCidr(raw, name, { minBits: 8, maxBits: 32, example: '10.244.192.0/24' });
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
    const n = parseIPv4(ip);
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
      const ip = formatIPv4(n);
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
