/** IPv4 CIDR arithmetic for telling whether the lab's subnet collides with an existing network. */
export interface Cidr {
  base: number;
  bits: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const addr = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: addr - (addr % size), bits };
}

/** True when the two ranges share an address (IPv6 or unparsable ranges never overlap here). */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y) return false;
  const xEnd = x.base + 2 ** (32 - x.bits);
  const yEnd = y.base + 2 ** (32 - y.bits);
  return x.base < yEnd && y.base < xEnd;
}
