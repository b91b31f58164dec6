/**
 * IPv4 addresses and CIDR blocks, once for every component (service IPs, pod ranges, the LB pool,
 * reverse DNS zones, the lab's subnet). Addresses are parsed as Go's net.ParseIP does since 1.17:
 * four decimal octets, no leading zeros. Values are unsigned 32-bit numbers.
 */

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The 32-bit value of a dotted-quad IPv4 address, or undefined when it is not one. */
export function parseIPv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function isIPv4(ip: string): boolean {
  return parseIPv4(ip) !== undefined;
}

/** 167772161 → "10.0.0.1". */
export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A block: its first address (host bits cleared) and prefix length. */
export interface Cidr {
  base: number;
  bits: number;
}

/** "10.244.3.7/16" → { base: 10.244.0.0, bits: 16 }; undefined for anything else (IPv6 included). */
export function parseCidr(text: string): Cidr | undefined {
  const [ip, len, ...rest] = text.trim().split('/');
  const base = parseIPv4(ip ?? '');
  if (rest.length > 0 || base === undefined || len === undefined || !/^\d{1,2}$/.test(len) || Number(len) > 32)
    return undefined;
  const bits = Number(len);
  const size = 2 ** (32 - bits);
  return { base: base - (base % size), bits };
}

export interface CidrRule {
  /** Smallest and largest prefix length allowed (default 0 and 32). */
  minBits?: number;
  maxBits?: number;
  /** An example for the message (default 10.244.0.0/16). */
  example?: string;
}

/** As parseCidr, but throws `<setting>: Invalid value: "<text>": must be ...` on a bad value. */
export function mustParseCidr(text: string, setting: string, rule: CidrRule = {}): Cidr {
  const c = parseCidr(text);
  const min = rule.minBits ?? 0;
  const max = rule.maxBits ?? 32;
  if (!c || c.bits < min || c.bits > max) {
    const range = min > 0 || max < 32 ? ` with a prefix length from ${min} to ${max}` : '';
    throw new Error(
      `${setting}: Invalid value: "${text}": must be an IPv4 CIDR such as ${rule.example ?? '10.244.0.0/16'}${range}`,
    );
  }
  return c;
}

/** How many addresses the block holds. */
export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = parseIPv4(ip);
  return n !== undefined && n >= c.base && n < c.base + cidrSize(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

/** "10.244.0.0/16". */
export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.bits}`;
}

/** The n-th address of the block (0 is its network address). */
export function cidrAddress(c: Cidr, n: number): string {
  return formatIPv4(c.base + n);
}
