import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admittingRegistry } from '../auth/admission.js';
import { ADMIN_USER } from '../auth/user.js';
import { newRegistry, pod } from '../registry/testing.js';
import { API_ACCESS_PREFIX, serviceAccountAdmission, TOKEN_MOUNT_PATH } from './admission.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function setup() {
  const { registry } = await newRegistry();
  await registry.create('serviceaccounts', 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'default' },
  });
  await registry.create('serviceaccounts', 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'quiet' },
    automountServiceAccountToken: false,
    imagePullSecrets: [{ name: 'regcred' }],
  } as never);
  return { registry, r: admittingRegistry(registry, ADMIN_USER, [serviceAccountAdmission(0)]) };
}

test('a pod gets the default ServiceAccount and the kube-api-access volume in every container', async () => {
  const { r } = await setup();
  const p = pod('web', {}, { initContainers: [{ name: 'init', image: 'busybox' }] });
  const made = (await r.create('pods', 'default', p)) as Json;
  assert.equal(made.spec.serviceAccountName, 'default');
  const vol = made.spec.volumes.find((v: Json) => v.name.startsWith(API_ACCESS_PREFIX));
  assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(
    vol.projected.sources.map((s: Json) => Object.keys(s)[0]),
    ['serviceAccountToken', 'configMap', 'downwardAPI'],
  );
  assert.equal(vol.projected.sources[0].serviceAccountToken.expirationSeconds, 3607);
  for (const c of [...made.spec.containers, ...made.spec.initContainers])
    assert.deepEqual(c.volumeMounts, [{ name: vol.name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }]);
});

test('automountServiceAccountToken: false on the pod or its ServiceAccount mounts nothing; a missing ServiceAccount is refused', async () => {
  const { r } = await setup();
  const off = (await r.create('pods', 'default', pod('a', {}, { automountServiceAccountToken: false }))) as Json;
  assert.equal(off.spec.volumes, undefined);
  const quiet = (await r.create('pods', 'default', pod('b', {}, { serviceAccountName: 'quiet' }))) as Json;
  assert.equal(quiet.spec.volumes, undefined);
  assert.deepEqual(quiet.spec.imagePullSecrets, [{ name: 'regcred' }], "the ServiceAccount's pull secrets");
  const on = (await r.create(
    'pods',
    'default',
    pod('c', {}, { serviceAccountName: 'quiet', automountServiceAccountToken: true }),
  )) as Json;
  assert.equal(on.spec.volumes.length, 1, 'the pod overrides its ServiceAccount');
  await assert.rejects(r.create('pods', 'default', pod('d', {}, { serviceAccountName: 'ghost' })), {
    message: 'pods "d" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
  });
});
