import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Namespace } from '@kubelab/api';
import { ServiceAccountController } from './serviceaccount.js';
import { FakeApi } from '../testing/fakeapi.js';
import { drain, FakeCache, ManualQueue } from '../testing/fakecache.js';
import { silentLog } from '../testing/fixtures.js';

test('every active namespace gets a default ServiceAccount, recreated after deletion', async () => {
  const api = new FakeApi();
  const namespaces = new FakeCache<Namespace>(api, 'namespaces');
  const serviceaccounts = new FakeCache<KubeObject>(api, 'serviceaccounts');
  const queue = new ManualQueue();
  const ctrl = new ServiceAccountController({ api, namespaces, serviceaccounts, queue, log: silentLog });
  const settle = () => drain([{ ctrl, queue }]);
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' }, status: { phase: 'Active' } });
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' }, status: { phase: 'Terminating' } });
  await settle();
  assert.deepEqual(api.objects('serviceaccounts').map((s) => `${s.metadata.namespace}/${s.metadata.name}`), ['dev/default']);
  await api.delete('serviceaccounts', 'dev', 'default');
  await settle();
  assert.equal(api.objects('serviceaccounts').length, 1);
  assert.equal(api.count('create', 'serviceaccounts'), 2);
});
