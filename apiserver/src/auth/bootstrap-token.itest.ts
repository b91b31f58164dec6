/**
 * Integration test: bootstrap tokens on a real apiserver (etcd, HTTPS). A token whose Secret
 * (kubeadm's format) is valid authenticates as system:bootstrap:<id> in system:bootstrappers and
 * the extra groups, which may create CSRs and nothing else; an expired, deleted, wrong, not yet
 * made or not-for-authentication token is a 401, and the apiserver's log says why.
 * Loopback only. Run with `node --test apiserver/dist/auth/bootstrap-token.itest.js`.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { bootstrapTokenAuthenticator } from './bootstrap-token.js';
import { SecureCluster } from './testing/secure-cluster.js';

const secret = (id: string, tokenSecret: string, extra: Record<string, string> = {}) => ({
  metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
  type: 'bootstrap.kubernetes.io/token',
  stringData: {
    'token-id': id,
    'token-secret': tokenSecret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': 'system:bootstrappers:kubelab:default-node-token',
    ...extra,
  },
});
const hour = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('bootstrap tokens against a real apiserver', () => {
  const c = new SecureCluster();
  const lines: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }),
  );
  before(async () => {
    await c.start();
    for (const s of [
      secret('aaaaaa', 'aaaaaaaaaaaaaaaa', { expiration: hour(1) }),
      secret('bbbbbb', 'bbbbbbbbbbbbbbbb', { expiration: hour(-1) }),
      secret('cccccc', 'cccccccccccccccc'),
      secret('dddddd', 'dddddddddddddddd', { 'usage-bootstrap-authentication': 'false' }),
    ]) {
      const r = await c.call(undefined, 'POST', '/api/v1/namespaces/kube-system/secrets', s);
      assert.equal(r.status, 201, r.text);
    }
  });
  after(() => c.stop());

  it('a valid token is system:bootstrap:<id>, who may ask for a certificate and nothing else', async () => {
    const t = { token: 'aaaaaa.aaaaaaaaaaaaaaaa' };
    const list = await c.call(t, 'GET', '/api/v1/namespaces/default/pods');
    assert.equal(list.status, 403);
    assert.equal(
      list.json['message'],
      'pods is forbidden: User "system:bootstrap:aaaaaa" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    assert.equal((await c.call(t, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests')).status, 200);
    assert.equal(
      (await c.call({ token: 'cccccc.cccccccccccccccc' }, 'GET', '/apis')).status,
      200,
      'no expiration: valid',
    );
    const user = await bootstrapTokenAuthenticator(c.registry)('aaaaaa.aaaaaaaaaaaaaaaa');
    assert.deepEqual(user, {
      name: 'system:bootstrap:aaaaaa',
      groups: ['system:bootstrappers', 'system:bootstrappers:kubelab:default-node-token', 'system:authenticated'],
    });
  });

  it('expired, wrong, deleted, unknown and not-for-authentication tokens are refused, with the reason in the log', async () => {
    const auth = bootstrapTokenAuthenticator(c.registry, { log });
    const cases: [string, RegExp][] = [
      ['bbbbbb.bbbbbbbbbbbbbbbb', /expired token \(expiration /],
      ['aaaaaa.aaaaaaaaaaaaaaab', /token secret mismatch/],
      ['dddddd.dddddddddddddddd', /not marked usage-bootstrap-authentication=true/],
      ['eeeeee.eeeeeeeeeeeeeeee', /no secret kube-system\/bootstrap-token-eeeeee matches it/],
      ['not-a-token', /not of the form/],
    ];
    for (const [token, why] of cases) {
      assert.equal((await c.call({ token }, 'GET', '/apis')).status, 401, token);
      assert.equal(await auth(token), undefined, token);
      assert.match(lines.at(-1) ?? '', why, token);
    }
    assert.equal(
      (await c.call(undefined, 'DELETE', '/api/v1/namespaces/kube-system/secrets/bootstrap-token-aaaaaa')).status,
      200,
    );
    assert.equal((await c.call({ token: 'aaaaaa.aaaaaaaaaaaaaaaa' }, 'GET', '/apis')).status, 401, 'deleted');
    const reply = await c.call({ token: 'aaaaaa.aaaaaaaaaaaaaaaa' }, 'GET', '/apis');
    assert.equal(reply.json['reason'], 'Unauthorized');
  });
});
