import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { decodeContinue, encodeContinue, LATEST_REVISION } from './continue.js';

const P = '/registry/pods/default/';
const raw = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const bad = (re: RegExp) => (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest' && re.test(e.message);

test("tokens are unpadded base64url of upstream's JSON, relative to the list prefix", () => {
  const t = encodeContinue(`${P}web-1\0`, P, 42);
  assert.match(t, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(JSON.parse(Buffer.from(t, 'base64url').toString()), {
    v: 'meta.k8s.io/v1',
    rv: 42,
    start: 'web-1\0',
  });
  assert.deepEqual(decodeContinue(t, P), { startKey: `${P}web-1\0`, revision: 42 });
  assert.deepEqual(decodeContinue(encodeContinue(`${P}b`, P, LATEST_REVISION), P), {
    startKey: `${P}b`,
    revision: undefined,
  });
  assert.throws(
    () => encodeContinue('/elsewhere/x', P, 1),
    (e: unknown) => e instanceof ApiError && e.reason === 'InternalError',
  );
});

test('malformed tokens are 400 "invalid continue token: continue key is not valid..."', () => {
  assert.throws(
    () => decodeContinue('garbage!', P),
    bad(/^invalid continue token: continue key is not valid: illegal base64 data at input byte 7$/),
  );
  assert.throws(
    () => decodeContinue(Buffer.from('{"v":1').toString('base64url'), P),
    bad(/^invalid continue token: continue key is not valid: /),
  );
  assert.throws(
    () => decodeContinue(raw({ v: 'v1', rv: 1, start: 'a' }), P),
    bad(/server does not recognize this encoded version "v1"$/),
  );
  assert.throws(
    () => decodeContinue(raw({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }), P),
    bad(/: incorrect encoded start resourceVersion \(version meta.k8s.io\/v1\)$/),
  );
  assert.throws(
    () => decodeContinue(raw({ v: 'meta.k8s.io/v1', rv: 3, start: '' }), P),
    bad(/: encoded start key empty \(version meta.k8s.io\/v1\)$/),
  );
});

test('path traversal in the start key is refused', () => {
  for (const start of ['../key', './key', 'key/../..', 'a//b', 'a/']) {
    assert.throws(
      () => decodeContinue(raw({ v: 'meta.k8s.io/v1', rv: 3, start }), P),
      bad(/continue key is not valid: /),
      start,
    );
  }
  assert.equal(decodeContinue(raw({ v: 'meta.k8s.io/v1', rv: 3, start: '/' }), P).startKey, P);
});
