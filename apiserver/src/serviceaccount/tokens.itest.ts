/**
 * Integration test: ServiceAccount tokens on a real apiserver (etcd, HTTPS) with the real kubectl:
 * `kubectl create token` issues one (with --duration and --audience; upstream's refusal of less
 * than 10 minutes), `kubectl auth whoami` with it shows the ServiceAccount's identity, and a
 * token bound to a pod (`--bound-object-kind Pod`) is refused (401) once the pod is deleted.
 * Loopback only. Run with `node --test apiserver/dist/serviceaccount/tokens.itest.js`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findKubectl, runIn } from '../rest/testing/harness.js';
import { SecureCluster } from '../auth/testing/secure-cluster.js';

const KUBECTL = findKubectl('kubectl');
const claims = (token: string): Record<string, any> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('ServiceAccount tokens against a real apiserver', { skip: !KUBECTL }, () => {
  const c = new SecureCluster();
  const kubectl = (...args: string[]) => runIn(c.dir, KUBECTL!, args);
  before(async () => {
    await c.start();
    c.kubeconfig('kubeconfig', {});
    assert.equal((await kubectl('create', 'serviceaccount', 'app')).code, 0);
  });
  after(() => c.stop());

  it('kubectl create token issues a JWT that kubectl auth whoami authenticates as the ServiceAccount', async () => {
    const made = await kubectl('create', 'token', 'app', '--duration', '10m');
    assert.equal(made.code, 0, made.stderr);
    const token = made.stdout.trim();
    const cl = claims(token);
    assert.equal(cl['sub'], 'system:serviceaccount:default:app');
    assert.equal(cl['exp'] - cl['iat'], 600);
    assert.equal(cl['kubernetes.io'].namespace, 'default');
    const who = await kubectl('auth', 'whoami', '--token', token, '-o', 'json');
    assert.equal(who.code, 0, who.stderr);
    const info = JSON.parse(who.stdout).status.userInfo;
    assert.equal(info.username, 'system:serviceaccount:default:app');
    assert.deepEqual(info.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    const aud = await kubectl('create', 'token', 'app', '--audience', 'vault');
    assert.deepEqual(claims(aud.stdout.trim())['aud'], ['vault']);
    const other = await kubectl('auth', 'whoami', '--token', aud.stdout.trim());
    assert.notEqual(other.code, 0, 'a token for another audience does not authenticate to the API');
    const short = await kubectl('create', 'token', 'app', '--duration', '5m');
    assert.notEqual(short.code, 0);
    assert.match(
      short.stderr,
      /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/,
    );
  });

  it('a token bound to a pod is refused once the pod is deleted', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        serviceAccountName: 'app',
        automountServiceAccountToken: false,
        containers: [{ name: 'c', image: 'busybox' }],
      },
    };
    const made = await c.call(undefined, 'POST', '/api/v1/namespaces/default/pods', pod);
    assert.equal(made.status, 201, made.text);
    const tok = await kubectl('create', 'token', 'app', '--bound-object-kind', 'Pod', '--bound-object-name', 'web');
    assert.equal(tok.code, 0, tok.stderr);
    const token = tok.stdout.trim();
    assert.equal(claims(token)['kubernetes.io'].pod.uid, made.json['metadata'].uid);
    assert.equal((await kubectl('auth', 'whoami', '--token', token)).code, 0);
    assert.equal((await kubectl('delete', 'pod', 'web', '--grace-period=0', '--force')).code, 0);
    const refused = await kubectl('auth', 'whoami', '--token', token);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Unauthorized|must be logged in/);
  });
});
