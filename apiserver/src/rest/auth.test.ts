import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, isPublicPath, tokenMatches } from './auth.js';

const TOKEN = 'a'.repeat(64);

test('bearerToken: parses the Bearer scheme only', () => {
  assert.equal(bearerToken(`Bearer ${TOKEN}`), TOKEN);
  assert.equal(bearerToken(`bearer  ${TOKEN} `), TOKEN);
  assert.equal(bearerToken(`Basic ${TOKEN}`), undefined);
  assert.equal(bearerToken('Bearer'), undefined);
  assert.equal(bearerToken(undefined), undefined);
});

test('tokenMatches: exact match only', () => {
  assert.equal(tokenMatches(TOKEN, TOKEN), true);
  assert.equal(tokenMatches(TOKEN, `${TOKEN}a`), false);
  assert.equal(tokenMatches(TOKEN, TOKEN.slice(1)), false);
  assert.equal(tokenMatches(TOKEN, 'b'.repeat(64)), false);
  assert.equal(tokenMatches(TOKEN, ''), false);
  assert.equal(tokenMatches(TOKEN, undefined), false);
  assert.equal(tokenMatches('', ''), false);
});

test('isPublicPath: health checks and version only', () => {
  for (const p of ['/healthz', '/livez', '/readyz', '/version', '/healthz/ping', '/readyz/etcd'])
    assert.equal(isPublicPath(p), true, p);
  for (const p of ['/', '/api', '/apis', '/api/v1/namespaces', '/healthzz', '/openapi/v2', '/versions'])
    assert.equal(isPublicPath(p), false, p);
});
