import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Namespace } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { ServiceAccountController } from './serviceaccount.js';
import { drain, FakeCache, InProcessApi, ManualQueue } from '@kubelab/apiserver/testing';
import { silentLog } from '../testing/fixtures.js';

test('every active namespace gets a default ServiceAccount, recreated after deletion', async () => {
  const api = new InProcessApi({ namespaces: ['default'] });
  const namespaces = new FakeCache<Namespace>(api, 'namespaces');
  const serviceaccounts = new FakeCache<KubeObject>(api, 'serviceaccounts');
  const queue = new ManualQueue();
  const ctrl = new ServiceAccountController({ api, namespaces, serviceaccounts, queue, log: silentLog });
  const settle = () => drain([{ ctrl, queue }]);
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
  // A namespace is Terminating once deleted (the apiserver ignores a status sent on create).
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } });
  await api.delete('namespaces', '', 'gone');
  const phase = api.peek<Namespace>('namespaces', '', 'gone')?.status?.phase;
  assert.ok(phase === 'Terminating' || phase === undefined, `Terminating or already removed, not ${phase}`);
  await settle();
  assert.deepEqual(
    api.objects('serviceaccounts').map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
    ['default/default', 'dev/default'],
  );
  await api.delete('serviceaccounts', 'dev', 'default');
  await settle();
  assert.equal(api.objects('serviceaccounts').length, 2);
  assert.equal(api.count('create', 'serviceaccounts'), 3);
  await api.close();
});

test('a refused create other than a terminating namespace is retried (an apiserver still loading its roles)', async () => {
  const api = new InProcessApi({ namespaces: ['default'] });
  const namespaces = new FakeCache<Namespace>(api, 'namespaces');
  const serviceaccounts = new FakeCache<KubeObject>(api, 'serviceaccounts');
  const queue = new ManualQueue();
  let refusals = 1;
  const create = api.create.bind(api);
  const refusing = Object.assign(Object.create(api) as InProcessApi, {
    create: <T extends KubeObject>(resource: string, obj: T, ns?: string): Promise<T> => {
      if (resource === 'serviceaccounts' && refusals-- > 0)
        return Promise.reject(new ApiError('Forbidden', 'serviceaccounts is forbidden: User "x" cannot create'));
      return create(resource, obj, ns);
    },
  });
  const ctrl = new ServiceAccountController({ api: refusing, namespaces, serviceaccounts, queue, log: silentLog });
  await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
  await assert.rejects(ctrl.reconcile('dev'), (e) => e instanceof ApiError && e.reason === 'Forbidden');
  await ctrl.reconcile('dev');
  assert.ok(api.peek('serviceaccounts', 'dev', 'default'), 'made on the retry');
  await api.close();
});
