import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { labKubeconfig } from './kubeconfig.js';
import { mergeUserContext } from './user-kubeconfig.js';

const entry = {
  cluster: 'kubelab',
  server: 'https://127.0.0.1:6443',
  caCert: 'CA',
  user: 'jane',
  cert: 'CERT',
  key: 'KEY',
};

describe('a practice user in a kubeconfig', () => {
  it("adds jane@kubelab on the lab's cluster entry, keeps the current context, replaces on a second add", () => {
    const lab = labKubeconfig({ name: 'kubelab', server: entry.server, caCert: 'CA', token: 't' });
    const once = mergeUserContext(lab, entry);
    const twice = YAML.parse(mergeUserContext(once, { ...entry, cert: 'NEW', namespace: 'dev' }));
    assert.equal(twice['current-context'], 'kubelab');
    assert.equal(twice.clusters.length, 1);
    assert.deepEqual(
      twice.contexts.map((c: { name: string }) => c.name),
      ['kubelab', 'jane@kubelab'],
    );
    assert.deepEqual(twice.contexts[1].context, { cluster: 'kubelab', user: 'jane@kubelab', namespace: 'dev' });
    assert.equal(twice.users[1].user['client-certificate-data'], Buffer.from('NEW').toString('base64'));
  });

  it('adds the cluster entry to an empty file, and refuses a same-named cluster of another server', () => {
    const fresh = YAML.parse(mergeUserContext(undefined, entry));
    assert.equal(fresh.clusters[0].cluster.server, entry.server);
    const other = labKubeconfig({ name: 'kubelab', server: 'https://10.0.0.1:6443' });
    assert.throws(
      () => mergeUserContext(other, entry),
      /cluster "kubelab" points at https:\/\/10.0.0.1:6443, not at this lab/,
    );
  });
});
