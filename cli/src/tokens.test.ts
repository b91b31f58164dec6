import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_GROUP,
  generateBootstrapToken,
  parseTtl,
  TOKEN_RE,
  tokenId,
  tokenSecret,
  tokenTable,
} from './tokens.js';

test("generated tokens have upstream's form and differ", () => {
  const a = generateBootstrapToken();
  assert.match(a, TOKEN_RE);
  assert.notEqual(a, generateBootstrapToken());
});

test('--ttl takes Go durations; 0 never expires; bad ones say what to write', () => {
  assert.equal(parseTtl('24h'), 86_400_000);
  assert.equal(parseTtl('1h30m'), 5_400_000);
  assert.equal(parseTtl('90s'), 90_000);
  assert.equal(parseTtl('0'), 0);
  for (const bad of ['', '24', 'h', '1d', '-1h', '24h '])
    assert.throws(() => parseTtl(bad), /is not a duration \(e\.g\. 24h/, bad);
});

test('token ids from an id or a whole token', () => {
  assert.equal(tokenId('abcdef'), 'abcdef');
  assert.equal(tokenId('abcdef.0123456789abcdef'), 'abcdef');
  assert.throws(() => tokenId('ABCDEF'), /neither a token id/);
  assert.throws(() => tokenId('abcdef.short'), /neither a token id/);
});

test("the Secret is kubeadm's: name, type, keys, expiration in RFC 3339", () => {
  const s = tokenSecret('abcdef.0123456789abcdef', {
    ttlMs: 3_600_000,
    description: 'for n3',
    now: new Date('2026-01-01T00:00:00.500Z'),
  });
  assert.deepEqual(s, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    stringData: {
      'token-id': 'abcdef',
      'token-secret': '0123456789abcdef',
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': DEFAULT_GROUP,
      expiration: '2026-01-01T01:00:00Z',
      description: 'for n3',
    },
  });
  assert.equal(
    (tokenSecret('abcdef.0123456789abcdef', { ttlMs: 0 })['stringData'] as Record<string, string>)['expiration'],
    undefined,
  );
  assert.throws(
    () => tokenSecret('abcdef.0123456789abcdef', { ttlMs: 0, groups: ['devs'] }),
    /--groups: "devs" must match/,
  );
});

test("token list: kubeadm's columns; expired tokens are <invalid>; other Secrets ignored", () => {
  const b64 = (m: Record<string, string>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const now = Date.parse('2026-01-01T00:00:00Z');
  const lines = tokenTable(
    [
      {
        type: 'bootstrap.kubernetes.io/token',
        data: b64({
          'token-id': 'abcdef',
          'token-secret': '0123456789abcdef',
          expiration: '2026-01-01T23:00:00Z',
          'usage-bootstrap-authentication': 'true',
          'usage-bootstrap-signing': 'true',
          'auth-extra-groups': DEFAULT_GROUP,
        }),
      },
      {
        type: 'bootstrap.kubernetes.io/token',
        data: b64({
          'token-id': 'zzzzzz',
          'token-secret': 'zzzzzzzzzzzzzzzz',
          expiration: '2025-12-31T00:00:00Z',
          'usage-bootstrap-authentication': 'true',
          description: 'old',
        }),
      },
      { type: 'Opaque', data: b64({ 'token-id': 'x' }) },
    ],
    now,
  );
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0]!.split(/\s{2,}/), ['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']);
  assert.deepEqual(lines[1]!.split(/\s{2,}/), [
    'abcdef.0123456789abcdef',
    '23h',
    '2026-01-01T23:00:00Z',
    'authentication,signing',
    '<none>',
    DEFAULT_GROUP,
  ]);
  assert.deepEqual(lines[2]!.split(/\s{2,}/), [
    'zzzzzz.zzzzzzzzzzzzzzzz',
    '<invalid>',
    '2025-12-31T00:00:00Z',
    'authentication',
    'old',
    '<none>',
  ]);
});
