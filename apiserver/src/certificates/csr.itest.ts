/**
 * Integration test: CertificateSigningRequests on a real apiserver (etcd, HTTPS, the CA signer
 * and approver running): validation as upstream, spec.username from the requesting user,
 * `kubectl get csr` columns, `kubectl certificate approve|deny`, the signed certificate verifies
 * against the CA and authenticates; a bootstrap token's CSR for a node client certificate is
 * approved and signed automatically and the node then works with it; a kubelet CSR with the wrong
 * subject fails at the signer. Loopback only. Run with `node --test apiserver/dist/certificates/csr.itest.js`.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { findKubectl, runIn } from '../rest/testing/harness.js';
import { type Json, SecureCluster } from '../auth/testing/secure-cluster.js';
import { COMPONENT_USERS } from '../auth/policy.js';
import { makeCsr } from './signer.js';

const KUBECTL = findKubectl('kubectl');
const TOKEN = 'abcdef.0123456789abcdef';

const csrBody = (
  name: string,
  request: string,
  signerName: string,
  usages = ['digital signature', 'client auth'],
  extra: Json = {},
) => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request: Buffer.from(request).toString('base64'), signerName, usages, ...extra },
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('CertificateSigningRequests against a real apiserver', () => {
  const c = new SecureCluster();
  const path = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
  const certificateOf = (name: string) =>
    until(`the certificate of ${name}`, async () => {
      const r = await c.call(undefined, 'GET', `${path}/${name}`);
      const b64 = r.json['status']?.['certificate'] as string | undefined;
      return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
    });
  before(async () => {
    await c.start();
    c.kubeconfig('kubeconfig', {});
  });
  after(() => c.stop());

  it('validates as upstream', async () => {
    const bad = await c.call(undefined, 'POST', path, csrBody('bad', 'not a pem', 'example.com/x'));
    assert.equal(bad.status, 422);
    assert.equal(
      bad.json['message'],
      'CertificateSigningRequest.certificates.k8s.io "bad" is invalid: spec.request: Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST',
    );
    const { csr } = await makeCsr({ commonName: 'jane' });
    const noSigner = await c.call(undefined, 'POST', path, {
      ...csrBody('nosigner', csr, ''),
      spec: { request: Buffer.from(csr).toString('base64'), usages: [] },
    });
    assert.equal(noSigner.status, 422);
    assert.equal(
      noSigner.json['message'],
      'CertificateSigningRequest.certificates.k8s.io "nosigner" is invalid: [spec.usages: Required value, spec.signerName: Required value]',
    );
    const short = await c.call(
      undefined,
      'POST',
      path,
      csrBody('short', csr, 'kubernetes.io/kube-apiserver-client', ['client auth', 'bogus'], { expirationSeconds: 60 }),
    );
    assert.equal(short.status, 422);
    assert.match(
      short.json['message'] as string,
      /spec\.usages\[1\]: Unsupported value: "bogus": supported values: "any", /,
    );
    assert.match(
      short.json['message'] as string,
      /spec\.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds \(10 minutes\)/,
    );
  });

  it('the requestor is the caller; kubectl approves; the certificate verifies and authenticates', {
    skip: !KUBECTL,
  }, async () => {
    const { csr, key } = await makeCsr({ commonName: 'jane', organizations: ['devs'] });
    const created = await c.call(
      undefined,
      'POST',
      path,
      csrBody('jane', csr, 'kubernetes.io/kube-apiserver-client', ['digital signature', 'client auth'], {
        username: 'system:kube-controller-manager',
        groups: ['system:masters'],
        expirationSeconds: 3600,
      }),
    );
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json['spec']['username'], 'kubernetes-admin');
    assert.deepEqual(created.json['spec']['groups'], ['system:masters', 'system:authenticated']);
    const table = await runIn(c.dir, KUBECTL!, ['get', 'csr', 'jane']);
    assert.equal(table.code, 0, table.stderr);
    const [head, row] = table.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    assert.deepEqual(head, ['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']);
    assert.deepEqual(
      [row![0], row![2], row![3], row![4], row![5]],
      ['jane', 'kubernetes.io/kube-apiserver-client', 'kubernetes-admin', '60m', 'Pending'],
    );
    const approve = await runIn(c.dir, KUBECTL!, ['certificate', 'approve', 'jane']);
    assert.equal(approve.code, 0, approve.stderr);
    assert.equal(approve.stdout.trim(), 'certificatesigningrequest.certificates.k8s.io/jane approved');
    const pem = await certificateOf('jane');
    const cert = new X509Certificate(pem);
    assert.ok(cert.verify(new X509Certificate(c.pki.caCert).publicKey));
    assert.equal(cert.subject, 'CN=jane\nO=devs');
    const hours = (Date.parse(cert.validTo) - Date.now()) / 3_600_000;
    assert.ok(hours > 0.9 && hours <= 1.01, `valid for ${hours}h`);
    const after = await runIn(c.dir, KUBECTL!, ['get', 'csr', 'jane', '--no-headers']);
    assert.match(after.stdout, /Approved,Issued\s*$/);
    const asJane = c.as({ cert: pem, key });
    const denied = await asJane('GET', '/api/v1/namespaces/default/pods');
    assert.equal(denied.status, 403);
    assert.match(denied.json['message'] as string, /^pods is forbidden: User "jane" cannot list/);
  });

  it('kubectl denies; a denied request is never signed', { skip: !KUBECTL }, async () => {
    const { csr } = await makeCsr({ commonName: 'joe' });
    assert.equal(
      (await c.call(undefined, 'POST', path, csrBody('joe', csr, 'kubernetes.io/kube-apiserver-client'))).status,
      201,
    );
    const deny = await runIn(c.dir, KUBECTL!, ['certificate', 'deny', 'joe']);
    assert.equal(deny.code, 0, deny.stderr);
    const got = await runIn(c.dir, KUBECTL!, ['get', 'csr', 'joe', '--no-headers']);
    assert.match(got.stdout, /Denied\s*$/);
    const status = await c.call(undefined, 'PUT', `${path}/joe/status`, {
      ...(await c.call(undefined, 'GET', `${path}/joe`)).json,
      status: { conditions: [] },
    });
    assert.equal(status.status, 200, status.text);
    assert.equal(
      status.json['status']['conditions'][0]['type'],
      'Denied',
      'a /status write keeps the Denied condition',
    );
  });

  it('a bootstrap token gets a node client certificate approved and signed; the node then works with it', async () => {
    const now = Date.now();
    const secret = {
      metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: {
        'token-id': 'abcdef',
        'token-secret': '0123456789abcdef',
        expiration: new Date(now + 3_600_000).toISOString(),
        'usage-bootstrap-authentication': 'true',
      },
    };
    assert.equal((await c.call(undefined, 'POST', '/api/v1/namespaces/kube-system/secrets', secret)).status, 201);
    const boot = { token: TOKEN };
    assert.equal((await c.call(boot, 'GET', '/api/v1/pods')).status, 403);
    const { csr, key } = await makeCsr({ commonName: 'system:node:n9', organizations: ['system:nodes'] });
    const created = await c.call(
      boot,
      'POST',
      path,
      csrBody('node-csr-n9', csr, 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth']),
    );
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json['spec']['username'], 'system:bootstrap:abcdef');
    const pem = await certificateOf('node-csr-n9');
    const got = await c.call(boot, 'GET', `${path}/node-csr-n9`);
    assert.equal(got.json['status']['conditions'][0]['reason'], 'AutoApproved');
    const n9 = c.as({ cert: pem, key });
    assert.equal((await n9('POST', '/api/v1/nodes', { metadata: { name: 'n9' } })).status, 201);
    assert.equal((await n9('POST', '/api/v1/nodes', { metadata: { name: 'n10' } })).status, 403);
    // A node asking for another node's certificate: allowed to ask, never approved automatically.
    const theirs = await makeCsr({ commonName: 'system:node:n11', organizations: ['system:nodes'] });
    assert.equal(
      (await n9('POST', path, csrBody('node-csr-n11', theirs.csr, 'kubernetes.io/kube-apiserver-client-kubelet')))
        .status,
      201,
    );
    const jane = c.as(await c.identity('jane', ['devs']));
    assert.equal(
      (await jane('POST', path, csrBody('x', theirs.csr, 'kubernetes.io/kube-apiserver-client-kubelet'))).status,
      403,
    );
    // The node renews its own certificate: approved as selfnodeclient. The controller takes the
    // requests in order, so once this one is signed the one above has been looked at.
    const renewal = await makeCsr({ commonName: 'system:node:n9', organizations: ['system:nodes'] });
    assert.equal(
      (await n9('POST', path, csrBody('node-csr-n9-2', renewal.csr, 'kubernetes.io/kube-apiserver-client-kubelet')))
        .status,
      201,
    );
    await certificateOf('node-csr-n9-2');
    assert.equal((await c.call(undefined, 'GET', `${path}/node-csr-n11`)).json['status']?.['conditions'], undefined);
  });

  it('update rights on CSRs approve and sign nothing: approve and sign on the signer are needed', async () => {
    const { csr } = await makeCsr({ commonName: 'mallory', organizations: ['system:masters'] });
    assert.equal(
      (await c.call(undefined, 'POST', path, csrBody('mallory', csr, 'kubernetes.io/kube-apiserver-client'))).status,
      201,
    );
    const cm = c.as(await c.identity(COMPONENT_USERS.controllerManager));
    const cur = (await cm('GET', `${path}/mallory`)).json;
    const approve = await cm('PUT', `${path}/mallory/approval`, {
      ...cur,
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Sneaky' }] },
    });
    assert.equal(approve.status, 403);
    assert.equal(
      approve.json['message'],
      'certificatesigningrequests.certificates.k8s.io "mallory" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"',
    );
    const sign = await cm('PUT', `${path}/mallory/status`, {
      ...cur,
      status: { certificate: Buffer.from('x').toString('base64') },
    });
    assert.equal(sign.status, 403);
    assert.match(sign.json['message'] as string, /user not permitted to sign requests with signerName/);
    assert.equal((await c.call(undefined, 'GET', `${path}/mallory`)).json['status'], undefined);
  });

  it('a kubelet CSR with the wrong subject fails at the signer', async () => {
    const { csr } = await makeCsr({ commonName: 'system:node:n12', organizations: ['system:masters'] });
    assert.equal(
      (await c.call(undefined, 'POST', path, csrBody('wrong', csr, 'kubernetes.io/kube-apiserver-client-kubelet')))
        .status,
      201,
    );
    const cur = (await c.call(undefined, 'GET', `${path}/wrong`)).json;
    const approved = await c.call(undefined, 'PUT', `${path}/wrong/approval`, {
      ...cur,
      status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] },
    });
    assert.equal(approved.status, 200, approved.text);
    const failed = await until('the Failed condition', async () => {
      const conds = ((await c.call(undefined, 'GET', `${path}/wrong`)).json['status']?.['conditions'] ?? []) as Json[];
      return conds.find((x) => x['type'] === 'Failed');
    });
    assert.equal(failed['reason'], 'SignerValidationFailure');
    assert.equal(failed['message'], 'subject organization is not system:nodes');
  });
});
