import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cidrAddress,
  cidrContains,
  cidrSize,
  cidrsOverlap,
  formatCidr,
  formatIPv4,
  isIPv4,
  mustParseCidr,
  parseCidr,
  parseIPv4,
} from './ipv4.js';

describe('IPv4 addresses', () => {
  it('parses dotted quads and refuses anything else, leading zeros included (as Go since 1.17)', () => {
    assert.equal(parseIPv4('10.0.0.1'), 167772161);
    assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
    for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.01', '1.2.3.4.5', 'a.b.c.d', '', '::1', '10.0.0.-1'])
      assert.equal(isIPv4(bad), false, bad);
  });

  it('formats without sign trouble above 2^31', () => {
    assert.equal(formatIPv4(0xffffffff), '255.255.255.255');
    assert.equal(formatIPv4(parseIPv4('192.168.1.2')!), '192.168.1.2');
  });
});

describe('CIDR blocks', () => {
  it('clears host bits and knows its size and members', () => {
    const c = parseCidr(' 10.244.3.7/16 ')!;
    assert.equal(formatCidr(c), '10.244.0.0/16');
    assert.equal(cidrSize(c), 65536);
    assert.ok(cidrContains(c, '10.244.255.255'));
    assert.ok(!cidrContains(c, '10.245.0.0'));
    assert.ok(!cidrContains(c, 'nonsense'));
    assert.equal(cidrAddress(parseCidr('10.96.0.0/12')!, 10), '10.96.0.10');
    assert.equal(formatCidr(parseCidr('0.0.0.0/0')!), '0.0.0.0/0');
    assert.equal(cidrSize(parseCidr('1.2.3.4/32')!), 1);
  });

  it('refuses malformed blocks', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/x', '10.300.0.0/16', 'fd00::/64', '10.0.0.0/8/8'])
      assert.equal(parseCidr(bad), undefined, bad);
  });

  it('finds overlaps both ways and none between neighbours', () => {
    const p = (s: string) => parseCidr(s)!;
    assert.ok(cidrsOverlap(p('10.244.0.0/16'), p('10.244.128.0/17')));
    assert.ok(cidrsOverlap(p('10.244.128.0/17'), p('10.244.0.0/16')));
    assert.ok(!cidrsOverlap(p('10.244.0.0/16'), p('10.245.0.0/16')));
  });

  it('mustParseCidr names the setting, the value and what is wanted', () => {
    assert.throws(
      () => mustParseCidr('10.0.0.0/33', 'KUBELAB_SERVICE_CIDR'),
      /^Error: KUBELAB_SERVICE_CIDR: Invalid value: "10.0.0.0\/33": must be an IPv4 CIDR such as 10.244.0.0\/16$/,
    );
    assert.throws(
      () => mustParseCidr('10.0.0.0/4', 'X', { minBits: 8, maxBits: 30 }),
      /with a prefix length from 8 to 30/,
    );
    assert.equal(mustParseCidr('10.1.2.3/24', 'X').base, parseIPv4('10.1.2.0'));
  });
});
