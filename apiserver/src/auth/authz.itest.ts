/**
 * Integration test: authorization on a real apiserver (etcd, HTTPS, client certificates of the
 * cluster CA). A node's identity writes its own Node and the status of pods bound to it, never
 * another node's or a pod bound elsewhere (403 with upstream's message); it reads only the Secrets
 * its pods use. Each component identity is refused what upstream's roles refuse it. A certificate
 * of another CA is no identity (401), and the real kubectl prints the 403 as upstream's.
 * Loopback only. Run with `node --test apiserver/dist/auth/authz.itest.js`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generatePki } from '@kubelab/client/pki';
import { findKubectl, runIn } from '../rest/testing/harness.js';
import { COMPONENT_USERS } from './policy.js';
import { type Identity, SecureCluster } from './testing/secure-cluster.js';

const pod = (name: string, nodeName: string, secret: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox', envFrom: [{ secretRef: { name: secret } }] }] },
});
const KUBECTL = findKubectl('kubectl');

describe('authorization against a real apiserver', () => {
  const c = new SecureCluster();
  let n1: Identity;
  before(async () => {
    await c.start();
    for (const n of ['n1', 'n2'])
      assert.equal((await c.call(undefined, 'POST', '/api/v1/nodes', { metadata: { name: n } })).status, 201);
    for (const s of ['s1', 's2'])
      assert.equal(
        (
          await c.call(undefined, 'POST', '/api/v1/namespaces/default/secrets', {
            metadata: { name: s },
            stringData: { k: 'v' },
          })
        ).status,
        201,
      );
    assert.equal(
      (await c.call(undefined, 'POST', '/api/v1/namespaces/default/pods', pod('p1', 'n1', 's1'))).status,
      201,
    );
    assert.equal(
      (await c.call(undefined, 'POST', '/api/v1/namespaces/default/pods', pod('p2', 'n2', 's2'))).status,
      201,
    );
    n1 = await c.identity('system:node:n1', ['system:nodes']);
  });
  after(() => c.stop());

  it('a node writes its own Node, not another (403 as upstream)', async () => {
    const as = c.as(n1);
    const own = await as(
      'PATCH',
      '/api/v1/nodes/n1/status',
      { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }] } },
      'application/strategic-merge-patch+json',
    );
    assert.equal(own.status, 200, own.text);
    const labelled = await as(
      'PATCH',
      '/api/v1/nodes/n1',
      { metadata: { labels: { 'kubernetes.io/hostname': 'n1' } } },
      'application/merge-patch+json',
    );
    assert.equal(labelled.status, 200, labelled.text);
    const other = await as(
      'PATCH',
      '/api/v1/nodes/n2',
      { metadata: { labels: { x: 'y' } } },
      'application/merge-patch+json',
    );
    assert.equal(other.status, 403);
    assert.equal(other.json['message'], 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    assert.equal(other.json['reason'], 'Forbidden');
    const steer = await as(
      'PATCH',
      '/api/v1/nodes/n1',
      { metadata: { labels: { 'node-restriction.kubernetes.io/fast': 'true' } } },
      'application/merge-patch+json',
    );
    assert.equal(steer.status, 403);
    assert.match(
      steer.json['message'] as string,
      /is not allowed to modify labels: node-restriction\.kubernetes\.io\/fast$/,
    );
    const del = await as('DELETE', '/api/v1/nodes/n2');
    assert.equal(del.status, 403);
    assert.equal(
      del.json['message'],
      'nodes "n2" is forbidden: User "system:node:n1" cannot delete resource "nodes" in API group "" at the cluster scope',
    );
    assert.deepEqual(del.json['details'], { name: 'n2', kind: 'nodes' });
  });

  it('a node writes the status of pods bound to it only', async () => {
    const as = c.as(n1);
    const mine = await as(
      'PATCH',
      '/api/v1/namespaces/default/pods/p1/status',
      { status: { phase: 'Running' } },
      'application/merge-patch+json',
    );
    assert.equal(mine.status, 200, mine.text);
    const theirs = await as(
      'PATCH',
      '/api/v1/namespaces/default/pods/p2/status',
      { status: { phase: 'Failed' } },
      'application/merge-patch+json',
    );
    assert.equal(theirs.status, 403);
    assert.equal(
      theirs.json['message'],
      'pods "p2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    );
    const kill = await as('DELETE', '/api/v1/namespaces/default/pods/p2');
    assert.equal(kill.status, 403);
    const spec = await as(
      'PATCH',
      '/api/v1/namespaces/default/pods/p1',
      { metadata: { labels: { a: 'b' } } },
      'application/merge-patch+json',
    );
    assert.equal(spec.status, 403);
    const p2 = await c.call(undefined, 'GET', '/api/v1/namespaces/default/pods/p2');
    assert.equal(p2.json['status']?.['phase'], 'Pending');
  });

  it('a node reads the Secrets its pods use, no others', async () => {
    const as = c.as(n1);
    assert.equal((await as('GET', '/api/v1/namespaces/default/secrets/s1')).status, 200);
    const other = await as('GET', '/api/v1/namespaces/default/secrets/s2');
    assert.equal(other.status, 403);
    assert.equal(
      other.json['message'],
      'secrets "s2" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object',
    );
    assert.equal((await as('GET', '/api/v1/namespaces/default/secrets')).status, 403);
    assert.equal((await as('GET', '/api/v1/namespaces/default/pods/p1/log')).status, 403);
  });

  it('each component is refused what upstream refuses it', async () => {
    const sched = c.as(await c.identity(COMPONENT_USERS.scheduler));
    const secrets = await sched('GET', '/api/v1/namespaces/default/secrets');
    assert.equal(secrets.status, 403);
    assert.equal(
      secrets.json['message'],
      'secrets is forbidden: User "system:kube-scheduler" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
    assert.equal((await sched('GET', '/api/v1/pods')).status, 200);
    assert.equal((await sched('POST', '/api/v1/namespaces/default/pods', pod('x', 'n1', 's1'))).status, 403);
    const proxy = c.as(await c.identity(COMPONENT_USERS.kubeProxy));
    assert.equal((await proxy('GET', '/apis/discovery.k8s.io/v1/endpointslices')).status, 200);
    assert.equal((await proxy('GET', '/api/v1/namespaces/default/secrets/s1')).status, 403);
    assert.equal((await proxy('DELETE', '/api/v1/namespaces/default/services/kubernetes')).status, 403);
    const cm = c.as(await c.identity(COMPONENT_USERS.controllerManager));
    const exec = await cm('POST', '/api/v1/namespaces/default/pods/p1/exec?command=sh&stdout=true');
    assert.equal(exec.status, 403);
    assert.equal(
      exec.json['message'],
      'pods "p1" is forbidden: User "system:kube-controller-manager" cannot create resource "pods/exec" in API group "" in the namespace "default"',
    );
    assert.equal((await cm('GET', '/apis/apps/v1/deployments')).status, 200);
    const dns = c.as(await c.identity(COMPONENT_USERS.clusterDns));
    assert.equal((await dns('GET', '/api/v1/namespaces/kube-system/secrets')).status, 403);
    const nobody = c.as(await c.identity('jane', ['devs']));
    assert.equal((await nobody('GET', '/api/v1/namespaces/default/pods')).status, 403);
    assert.equal((await nobody('GET', '/apis')).status, 200);
    assert.equal((await nobody('GET', '/version')).status, 200);
    const metrics = await nobody('GET', '/metrics');
    assert.equal(metrics.status, 403);
    assert.equal(metrics.json['message'], 'forbidden: User "jane" cannot get path "/metrics"');
  });

  it('a certificate of another CA is no identity; the admin token still does everything', async () => {
    const rogue = await generatePki({ serviceCIDR: '10.96.0.0/12' });
    const fake = await c.identity('system:masters-wannabe', ['system:masters'], {
      cert: rogue.caCert,
      key: rogue.caKey,
    });
    assert.equal((await c.as(fake)('GET', '/api/v1/namespaces/default/secrets')).status, 401);
    assert.equal((await c.call(undefined, 'GET', '/api/v1/namespaces/default/secrets')).status, 200);
  });

  it('the real kubectl prints the 403 as upstream', { skip: !KUBECTL }, async () => {
    c.kubeconfig('kubeconfig', { identity: await c.identity(COMPONENT_USERS.scheduler) });
    const r = await runIn(c.dir, KUBECTL!, ['get', 'secrets']);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'Error from server (Forbidden): secrets is forbidden: User "system:kube-scheduler" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
    const ok = await runIn(c.dir, KUBECTL!, ['get', 'nodes', '-o', 'name']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'node/n1\nnode/n2\n');
  });

  it("kubectl auth can-i and whoami answer from the caller's identity", { skip: !KUBECTL }, async () => {
    c.kubeconfig('kubeconfig', { identity: n1 });
    const no = await runIn(c.dir, KUBECTL!, ['auth', 'can-i', 'get', 'secrets/s2']);
    assert.equal(no.code, 1);
    assert.match(no.stdout, /^no/);
    const yes = await runIn(c.dir, KUBECTL!, ['auth', 'can-i', 'get', 'secrets/s1']);
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(yes.stdout.trim(), 'yes');
    assert.equal((await runIn(c.dir, KUBECTL!, ['auth', 'can-i', 'update', 'nodes/status'])).stdout.trim(), 'yes');
    assert.equal(
      (await runIn(c.dir, KUBECTL!, ['auth', 'can-i', 'create', 'pods', '--subresource=exec'])).stdout.trim(),
      'no',
    );
    const who = await runIn(c.dir, KUBECTL!, [
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username} {.status.userInfo.groups}',
    ]);
    assert.equal(who.code, 0, who.stderr);
    assert.equal(who.stdout, 'system:node:n1 ["system:nodes","system:authenticated"]');
  });
});
