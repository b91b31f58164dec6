import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import {
  KubeconfigConflict,
  kubeconfigName,
  labKubeconfig,
  mergeKubeconfig,
  removeFromKubeconfig,
} from './kubeconfig.js';
import { userKubeconfigPath } from './kubeconfig-file.js';

const lab = { name: 'kubelab', server: 'https://127.0.0.1:6443' };

const USER = `# my clusters
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
    certificate-authority-data: AAAA
- name: kubelab
  cluster:
    server: http://127.0.0.1:6443
contexts:
- name: prod
  context: {cluster: prod, user: admin, namespace: web}
users:
- name: admin
  user: {token: secret}
current-context: prod
preferences: {colors: true}
`;

describe('labKubeconfig', () => {
  it('is a complete kubeconfig whose current context points at the lab', () => {
    const doc = YAML.parse(labKubeconfig(lab));
    assert.equal(doc['current-context'], 'kubelab');
    assert.deepEqual(doc.clusters, [{ name: 'kubelab', cluster: { server: 'https://127.0.0.1:6443' } }]);
    assert.deepEqual(doc.contexts, [{ name: 'kubelab', context: { cluster: 'kubelab', user: 'kubelab' } }]);
    assert.deepEqual(doc.users, [{ name: 'kubelab', user: {} }]);
  });

  it('carries the CA as certificate-authority-data and the bearer token', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const doc = YAML.parse(labKubeconfig({ ...lab, caCert: pem, token: 'ab'.repeat(32) }));
    assert.equal(Buffer.from(doc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), pem);
    assert.equal(doc.clusters[0].cluster.server, 'https://127.0.0.1:6443');
    assert.deepEqual(doc.users, [{ name: 'kubelab', user: { token: 'ab'.repeat(32) } }]);
  });
});

describe('mergeKubeconfig', () => {
  it('creates a whole file from nothing', () => {
    const doc = YAML.parse(mergeKubeconfig(undefined, lab));
    assert.equal(doc.kind, 'Config');
    assert.equal(doc['current-context'], 'kubelab');
    assert.equal(doc.clusters.length, 1);
  });

  it('replaces entries of the same name, adds missing ones, keeps the rest and the comments', () => {
    const text = mergeKubeconfig(USER, lab);
    const doc = YAML.parse(text);
    assert.match(text, /^# my clusters/);
    assert.deepEqual(
      doc.clusters.map((c: { name: string }) => c.name),
      ['prod', 'kubelab'],
    );
    assert.equal(doc.clusters[1].cluster.server, 'https://127.0.0.1:6443');
    assert.equal(doc.clusters[0].cluster['certificate-authority-data'], 'AAAA');
    assert.deepEqual(
      doc.contexts.map((c: { name: string }) => c.name),
      ['prod', 'kubelab'],
    );
    assert.deepEqual(doc.contexts[0].context, { cluster: 'prod', user: 'admin', namespace: 'web' });
    assert.deepEqual(
      doc.users.map((u: { name: string }) => u.name),
      ['admin', 'kubelab'],
    );
    assert.equal(doc.users[0].user.token, 'secret');
    assert.equal(doc['current-context'], 'kubelab');
    assert.deepEqual(doc.preferences, { colors: true });
  });

  it('is idempotent', () => {
    const once = mergeKubeconfig(USER, lab);
    assert.equal(mergeKubeconfig(once, lab), once);
  });

  it('copes with lists kubectl wrote as null', () => {
    const doc = YAML.parse(
      mergeKubeconfig('apiVersion: v1\nkind: Config\nclusters: null\ncontexts: null\nusers: null\n', lab),
    );
    assert.equal(doc.clusters[0].name, 'kubelab');
    assert.equal(doc.users[0].name, 'kubelab');
  });

  it('leaves a same-named entry for another server untouched, saying what to do', () => {
    const theirs = USER.replace('http://127.0.0.1:6443', 'https://10.0.0.9:6443');
    assert.throws(
      () => mergeKubeconfig(theirs, lab, 'cfg'),
      (err: Error) => {
        assert.ok(err instanceof KubeconfigConflict);
        assert.match(
          err.message,
          /cfg: cluster "kubelab" points at https:\/\/10\.0\.0\.9:6443, not at this lab \(https:\/\/127\.0\.0\.1:6443\): left untouched/,
        );
        assert.match(err.message, /kubectl config delete-cluster kubelab/);
        return true;
      },
    );
  });

  it("keeps the namespace the user set on the lab's context", () => {
    const once = mergeKubeconfig(USER, lab);
    const withNs = once.replace(
      'context:\n    cluster: kubelab\n    user: kubelab',
      'context:\n    cluster: kubelab\n    user: kubelab\n    namespace: dev',
    );
    assert.notEqual(withNs, once);
    const doc = YAML.parse(mergeKubeconfig(withNs, { ...lab, token: 'new' }));
    assert.deepEqual(doc.contexts[1].context, { cluster: 'kubelab', user: 'kubelab', namespace: 'dev' });
    assert.equal(doc.users[1].user.token, 'new');
  });

  it('refuses a file that is not YAML or not a mapping, naming it', () => {
    assert.throws(
      () => mergeKubeconfig('clusters: [\n', lab, '/home/u/.kube/config'),
      /\/home\/u\/\.kube\/config is not valid YAML/,
    );
    assert.throws(() => mergeKubeconfig('- a\n- b\n', lab, 'cfg'), /cfg is not a kubeconfig/);
  });
});

describe('removeFromKubeconfig', () => {
  it('removes the lab entries and clears current-context', () => {
    const merged = mergeKubeconfig(USER, lab);
    const doc = YAML.parse(removeFromKubeconfig(merged, 'kubelab', lab.server)!);
    assert.deepEqual(
      doc.clusters.map((c: { name: string }) => c.name),
      ['prod'],
    );
    assert.deepEqual(
      doc.contexts.map((c: { name: string }) => c.name),
      ['prod'],
    );
    assert.deepEqual(
      doc.users.map((u: { name: string }) => u.name),
      ['admin'],
    );
    assert.equal(doc['current-context'], '');
  });

  it('leaves a same-named cluster that points elsewhere, and reports no change', () => {
    assert.equal(
      removeFromKubeconfig(USER.replace('http://127.0.0.1:6443', 'http://127.0.0.1:9999'), 'kubelab', lab.server),
      null,
    );
  });

  it('also removes the entry an older kubelab wrote with http://', () => {
    const old = mergeKubeconfig(USER, { ...lab, server: 'http://127.0.0.1:6443' });
    const doc = YAML.parse(removeFromKubeconfig(old, 'kubelab', lab.server)!);
    assert.deepEqual(
      doc.clusters.map((c: { name: string }) => c.name),
      ['prod'],
    );
  });

  it('reports no change for a missing file', () => {
    assert.equal(removeFromKubeconfig(undefined, 'kubelab', lab.server), null);
  });
});

describe('kubeconfigName', () => {
  it('is "kubelab" for the default lab and prefixed for the others', () => {
    assert.equal(kubeconfigName('kubelab'), 'kubelab');
    assert.equal(kubeconfigName('dev'), 'kubelab-dev');
  });
});

describe('userKubeconfigPath', () => {
  const has =
    (...files: string[]) =>
    (p: string) =>
      files.includes(p);
  it('picks the file as kubectl does', () => {
    assert.equal(userKubeconfigPath({ KUBECONFIG: '/a' }, has()), '/a');
    assert.equal(userKubeconfigPath({ KUBECONFIG: '/a:/b:/c' }, has('/b', '/c')), '/b');
    assert.equal(userKubeconfigPath({ KUBECONFIG: '/a::/c' }, has()), '/c');
    assert.match(userKubeconfigPath({}, has()), /\.kube\/config$/);
  });
});
