import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Namespace } from '@kubelab/api';
import { ROOT_CA_CONFIGMAP, RootCaPublisher } from './rootcacert.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { silentLog } from '../testing/fixtures.js';

type Cm = KubeObject & { data?: Record<string, string> };
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('every active namespace gets kube-root-ca.crt, recreated after deletion and restored after an edit', async () => {
  const api = new InProcessApi({ namespaces: ['default'] });
  const namespaces = new FakeCache<Namespace>(api, 'namespaces');
  const configmaps = new FakeCache<KubeObject>(api, 'configmaps');
  const queue = new ManualQueue();
  const ctrl = new RootCaPublisher({ api, namespaces, configmaps, caCert: CA, queue, log: silentLog });
  const settle = () => drain([{ ctrl, queue }]);
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
  await settle();
  const names = () =>
    api
      .objects('configmaps')
      .map((c) => `${c.metadata.namespace}/${c.metadata.name}`)
      .sort();
  assert.deepEqual(names(), [`default/${ROOT_CA_CONFIGMAP}`, `dev/${ROOT_CA_CONFIGMAP}`]);
  assert.equal(api.peek<Cm>('configmaps', 'dev', ROOT_CA_CONFIGMAP)?.data?.['ca.crt'], CA);
  await api.delete('configmaps', 'dev', ROOT_CA_CONFIGMAP);
  await settle();
  assert.deepEqual(names(), [`default/${ROOT_CA_CONFIGMAP}`, `dev/${ROOT_CA_CONFIGMAP}`]);
  const cur = api.peek<Cm>('configmaps', 'dev', ROOT_CA_CONFIGMAP)!;
  await api.update('configmaps', { ...cur, data: { 'ca.crt': 'tampered' } });
  await settle();
  assert.equal(api.peek<Cm>('configmaps', 'dev', ROOT_CA_CONFIGMAP)?.data?.['ca.crt'], CA);
  await api.close();
});
