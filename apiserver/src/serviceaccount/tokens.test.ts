import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ApiError } from '@kubelab/proto';
import { newRegistry, pod, T0 } from '../registry/testing.js';
import { serviceAccountTokens } from './setup.js';
import { requestToken } from './token-request.js';
import { verifyJwt } from './jwt.js';
import { keyPair as pair, nodeUser as node, tokenOf } from './testing.js';

const ISS = 'https://kubernetes.default.svc.cluster.local';
const log = pino({ level: 'silent' });

async function setup() {
  const { registry } = await newRegistry();
  let now = T0;
  const clock = { now: () => now };
  const keys = pair();
  const sa = serviceAccountTokens(registry, keys, ISS, clock, log);
  await registry.create('serviceaccounts', 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'app' },
  });
  await registry.create('serviceaccounts', 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'default' },
  });
  return { registry, sa, keys, clock, advance: (ms: number) => (now += ms) };
}

test('a TokenRequest gives a JWT with upstream claims that authenticates as the ServiceAccount until it expires', async () => {
  const { registry, sa, keys, advance } = await setup();
  const tr = await requestToken(registry, sa.issuer, 'default', 'app', { spec: { expirationSeconds: 600 } });
  const token = tokenOf(tr);
  const claims = verifyJwt(token, [(await import('node:crypto')).createPublicKey(keys.pub)])!;
  const uid = (await registry.get('serviceaccounts', 'default', 'app')).metadata.uid;
  assert.equal(claims['sub'], 'system:serviceaccount:default:app');
  assert.deepEqual(claims['aud'], [ISS]);
  assert.equal(claims['iss'], ISS);
  assert.equal(claims['exp'], T0 / 1000 + 600);
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'app', uid } });
  const user = await sa.authenticate(token);
  assert.equal(user?.name, 'system:serviceaccount:default:app');
  assert.deepEqual(user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
  advance(600_000);
  assert.equal(await sa.authenticate(token), undefined, 'expired');
  await assert.rejects(
    requestToken(registry, sa.issuer, 'default', 'app', { spec: { expirationSeconds: 599 } }),
    /spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes/,
  );
  await assert.rejects(
    requestToken(registry, sa.issuer, 'default', 'nobody', {}),
    (e: unknown) => e instanceof ApiError && e.reason === 'NotFound',
  );
});

test('a pod-bound token is refused once the pod is gone, and any token once its ServiceAccount is recreated', async () => {
  const { registry, sa } = await setup();
  const p = await registry.create('pods', 'default', pod('web', {}, { serviceAccountName: 'app' }));
  const ref = { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: p.metadata.uid };
  const bound = tokenOf(
    await requestToken(registry, sa.issuer, 'default', 'app', {
      spec: { boundObjectRef: ref, audiences: [ISS, 'vault'] },
    }),
  );
  const user = await sa.authenticate(bound);
  assert.deepEqual(user?.extra?.['authentication.kubernetes.io/pod-name'], ['web']);
  await assert.rejects(
    requestToken(registry, sa.issuer, 'default', 'app', { spec: { boundObjectRef: { ...ref, uid: 'other' } } }),
    /does not match the UID in record/,
  );
  await assert.rejects(
    requestToken(registry, sa.issuer, 'default', 'default', { spec: { boundObjectRef: ref } }),
    /different serviceaccount name/,
  );
  await registry.delete('pods', 'default', 'web', { gracePeriodSeconds: 0 });
  assert.equal(await sa.authenticate(bound), undefined, 'pod deleted');
  const plain = tokenOf(await requestToken(registry, sa.issuer, 'default', 'app', {}));
  assert.ok(await sa.authenticate(plain));
  await registry.delete('serviceaccounts', 'default', 'app');
  await registry.create('serviceaccounts', 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'app' },
  });
  assert.equal(await sa.authenticate(plain), undefined, 'new ServiceAccount uid');
  const other = serviceAccountTokens(registry, pair(), ISS, { now: () => T0 }, log);
  assert.equal(
    await other.authenticate(tokenOf(await requestToken(registry, sa.issuer, 'default', 'app', {}))),
    undefined,
    'another key',
  );
  const tampered = plain.split('.');
  tampered[1] = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
  assert.equal(await sa.authenticate(tampered.join('.')), undefined);
});

test('a node gets only tokens bound to a pod on that node', async () => {
  const { registry, sa } = await setup();
  const p = await registry.create('pods', 'default', pod('web', {}, { serviceAccountName: 'app', nodeName: 'n1' }));
  const ref = { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: p.metadata.uid };
  assert.ok(
    tokenOf(await requestToken(registry, sa.issuer, 'default', 'app', { spec: { boundObjectRef: ref } }, node('n1'))),
  );
  await assert.rejects(
    requestToken(registry, sa.issuer, 'default', 'app', { spec: { boundObjectRef: ref } }, node('n2')),
    {
      message: 'serviceaccounts "app" is forbidden: node requested token bound to a pod scheduled on a different node',
    },
  );
  await assert.rejects(
    requestToken(registry, sa.issuer, 'default', 'app', {}, node('n1')),
    /node requested token not bound to a pod/,
  );
});
