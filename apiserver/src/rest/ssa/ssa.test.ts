import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { FieldSet, fromFieldsV1, pathString, toFieldsV1 } from './fieldset.js';
import { changedFields, fieldsOf, removePath } from './extract.js';
import { decodeManagers, recordUpdate, serverSideApply } from './managed.js';
import { conflictMessage } from './conflict.js';

type Json = Record<string, any>;

const deploy = (
  replicas: number,
  labels: Record<string, string>,
  env: { name: string; value: string }[] = [{ name: 'A', value: '1' }],
): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.25', env, ports: [{ containerPort: 80 }] }] },
      },
    },
  }) as KubeObject;

const ctx = (manager: string, extra: Json = {}) => ({
  manager,
  apiVersion: 'apps/v1',
  time: '2026-11-23T00:00:00Z',
  force: false,
  ...extra,
});

test('fieldsOf: leaves, associative items (k:), atomic lists and maps; identity and status left out', () => {
  const fv = toFieldsV1(fieldsOf({ ...deploy(2, { app: 'web' }), status: { replicas: 1 } }));
  assert.deepEqual(fv, {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              '.': {},
              'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
        },
      },
    },
  });
  const args = fieldsOf({ spec: { containers: [{ name: 'c', args: ['a', 'b'] }] }, metadata: { finalizers: ['x'] } });
  assert.ok(args.has(['f:spec', 'f:containers', 'k:{"name":"c"}', 'f:args']), 'args is atomic');
  assert.ok(args.has(['f:metadata', 'f:finalizers', 'v:"x"']), 'finalizers is a set');
  assert.ok(
    fieldsOf({ spec: { ports: [{ port: 80, protocol: 'UDP' }] } }).has([
      'f:spec',
      'f:ports',
      'k:{"port":80,"protocol":"UDP"}',
    ]),
  );
  // A defaulted protocol keys the same item whether or not it was written out.
  const sent = fieldsOf({ spec: { ports: [{ port: 80 }] } });
  assert.ok(sent.has(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']));
});

test('FieldsV1 round trip and printed paths', () => {
  const s = new FieldSet([['f:a', 'f:b'], ['f:a'], ['f:c', 'k:{"name":"x"}'], ['f:c', 'k:{"name":"x"}', 'f:image']]);
  assert.deepEqual(toFieldsV1(s), {
    'f:a': { '.': {}, 'f:b': {} },
    'f:c': { 'k:{"name":"x"}': { '.': {}, 'f:image': {} } },
  });
  assert.deepEqual(fromFieldsV1(toFieldsV1(s)).paths().map(pathString).sort(), [
    '.a',
    '.a.b',
    '.c[name="x"]',
    '.c[name="x"].image',
  ]);
  assert.equal(pathString(['f:spec', 'f:finalizers', 'v:"x"']), '.spec.finalizers[="x"]');
});

test('removePath: fields, items, and emptied maps', () => {
  const o = deploy(2, { app: 'web', tier: 'fe' }) as unknown as Json;
  removePath(o, ['f:metadata', 'f:labels', 'f:tier']);
  assert.deepEqual(o['metadata'].labels, { app: 'web' });
  removePath(o, ['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:env', 'k:{"name":"A"}']);
  assert.deepEqual(o['spec'].template.spec.containers[0].env, []);
  removePath(o, ['f:metadata', 'f:labels', 'f:app']);
  assert.equal(o['metadata'].labels, undefined, 'an emptied map goes too');
  assert.ok(o['metadata'], 'metadata stays');
});

test('changedFields: only new or different leaves and new items', () => {
  const a = deploy(2, { app: 'web' });
  const b = deploy(3, { app: 'web' });
  assert.deepEqual(changedFields(a, b).paths().map(pathString), ['.spec.replicas']);
});

test('apply create, re-apply without a label removes it, the applier owns exactly what it sent', () => {
  const created = serverSideApply(undefined, deploy(2, { app: 'web', tier: 'fe' }), ctx('kubectl'));
  const mf = (created.metadata as Json)['managedFields'];
  assert.equal(mf.length, 1);
  assert.deepEqual(
    { ...mf[0], fieldsV1: undefined },
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2026-11-23T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: undefined,
    },
  );
  const again = serverSideApply(created, deploy(2, { app: 'web' }, []), ctx('kubectl'));
  assert.deepEqual(again.metadata.labels, { app: 'web' });
  assert.deepEqual(
    (again.spec as Json)['template'].spec.containers[0].env,
    [],
    'env item A dropped (the emptied list itself was sent)',
  );
  assert.equal(decodeManagers(again)[0]!.set.has(['f:metadata', 'f:labels', 'f:tier']), false);
});

test('a field also owned by someone else is not removed when the applier stops sending it', () => {
  let o = serverSideApply(undefined, deploy(2, { app: 'web', tier: 'fe' }), ctx('a'));
  o = serverSideApply(o, deploy(2, { app: 'web', tier: 'fe' }), ctx('b'));
  o = serverSideApply(o, deploy(2, { app: 'web' }), ctx('a'));
  assert.deepEqual(o.metadata.labels, { app: 'web', tier: 'fe' });
});

test('conflict: an update by another manager then an apply with a different value; force takes over', () => {
  let o = serverSideApply(undefined, deploy(2, { app: 'web' }), ctx('kubectl'));
  const scaled = structuredClone(o);
  (scaled.spec as Json)['replicas'] = 5;
  o = recordUpdate(o, scaled, { manager: 'kubectl', apiVersion: 'apps/v1', time: 't', subresource: 'scale' });
  const ms = decodeManagers(o);
  assert.equal(
    ms.find((m) => m.operation === 'Apply')!.set.has(['f:spec', 'f:replicas']),
    false,
    'the update took the field',
  );
  assert.ok(ms.find((m) => m.subresource === 'scale')!.set.has(['f:spec', 'f:replicas']));
  // Same value: no conflict, the field is shared.
  const same = serverSideApply(o, deploy(5, { app: 'web' }), ctx('kubectl'));
  assert.equal((same.spec as Json)['replicas'], 5);
  assert.throws(
    () => serverSideApply(o, deploy(3, { app: 'web' }), ctx('kubectl')),
    (e: ApiError) => {
      assert.equal(e.reason, 'Conflict');
      assert.equal(
        e.message,
        'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
      );
      assert.deepEqual(e.details, {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "kubectl" with subresource "scale" using apps/v1',
            field: '.spec.replicas',
          },
        ],
      });
      const st = e.toStatus() as Json;
      assert.equal(st['code'], 409);
      return true;
    },
  );
  const forced = serverSideApply(o, deploy(3, { app: 'web' }), ctx('kubectl', { force: true }));
  assert.equal((forced.spec as Json)['replicas'], 3);
  const after = decodeManagers(forced);
  assert.ok(after.find((m) => m.operation === 'Apply')!.set.has(['f:spec', 'f:replicas']));
  assert.equal(
    after.find((m) => m.subresource === 'scale'),
    undefined,
    'the emptied entry is dropped',
  );
});

test('client-side apply created object: conflict names kubectl-client-side-apply; before-first-apply for unmanaged objects', () => {
  const csa = recordUpdate(undefined, deploy(2, { app: 'web' }), {
    manager: 'kubectl-client-side-apply',
    apiVersion: 'apps/v1',
    time: 't',
  });
  assert.throws(
    () => serverSideApply(csa, deploy(4, { app: 'web' }), ctx('kubectl')),
    /^Error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas$|Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas/,
  );
  const bare = deploy(2, { app: 'web' });
  assert.throws(
    () => serverSideApply(bare, deploy(4, { app: 'web' }), ctx('kubectl')),
    /conflict with "before-first-apply" using apps\/v1: \.spec\.replicas/,
  );
});

test('updates move ownership; labels map marked; removed fields leave every manager', () => {
  let o = recordUpdate(undefined, deploy(2, { app: 'web' }), {
    manager: 'kubectl-create',
    apiVersion: 'apps/v1',
    time: 't',
  });
  const fv = (o.metadata as Json)['managedFields'][0].fieldsV1;
  assert.deepEqual(fv['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
  const labelled = structuredClone(o);
  labelled.metadata.labels = { tier: 'fe' };
  o = recordUpdate(o, labelled, { manager: 'kubectl-label', apiVersion: 'apps/v1', time: 't2' });
  const ms = decodeManagers(o);
  assert.equal(ms.find((m) => m.manager === 'kubectl-create')!.set.has(['f:metadata', 'f:labels', 'f:app']), false);
  assert.ok(ms.find((m) => m.manager === 'kubectl-label')!.set.has(['f:metadata', 'f:labels', 'f:tier']));
});

test('several conflicts are grouped per manager', () => {
  const msg = conflictMessage([
    { manager: 'b', operation: 'Update', apiVersion: 'v1', path: ['f:spec', 'f:x'] },
    { manager: 'a', operation: 'Update', apiVersion: 'v1', path: ['f:spec', 'f:y'] },
    { manager: 'b', operation: 'Update', apiVersion: 'v1', path: ['f:spec', 'f:z'] },
  ]);
  assert.equal(
    msg,
    'Apply failed with 3 conflicts: conflicts with "a" using v1:\n- .spec.y\nconflicts with "b" using v1:\n- .spec.x\n- .spec.z',
  );
});
