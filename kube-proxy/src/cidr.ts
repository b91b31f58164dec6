/** IPv4 address and CIDR helpers (kube-proxy manages IPv4 service addresses only). */

/** The 32-bit value of a dotted-quad IPv4 address, or undefined when it is not one. */
export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function isIPv4(ip: string): boolean {
  return ipv4ToInt(ip) !== undefined;
}

export interface Cidr {
  base: number;
  bits: number;
}

/** Parses "10.244.128.0/17"; throws with the offending value when malformed. */
export function parseCidr(cidr: string): Cidr {
  const [ip, len, ...rest] = cidr.split('/');
  const base = ipv4ToInt(ip ?? '');
  const bits = Number(len);
  if (rest.length > 0 || base === undefined || len === undefined || !/^\d{1,2}$/.test(len) || bits > 32) {
    throw new Error(`invalid CIDR address: ${cidr}`);
  }
  return { base: maskOf(base, bits), bits };
}

function maskOf(n: number, bits: number): number {
  if (bits === 0) return 0;
  // >>> 0 keeps the arithmetic unsigned.
  return (n & (~0 << (32 - bits))) >>> 0;
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const n = ipv4ToInt(ip);
  return n !== undefined && maskOf(n, cidr.bits) === cidr.base;
}
