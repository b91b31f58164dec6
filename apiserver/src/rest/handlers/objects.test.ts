import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceInfo, type KubeObject } from '@kubelab/api';
import { typedJson } from './objects.js';

test('typedJson: the object with its type first, serialized once per object and served version', () => {
  const cms = resourceInfo('configmaps')!;
  const obj = { metadata: { name: 'a', resourceVersion: '7' }, data: { k: 'v' } } as unknown as KubeObject;
  const json = typedJson(obj, cms);
  assert.deepEqual(JSON.parse(json.toString()), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', resourceVersion: '7' },
    data: { k: 'v' },
  });
  assert.ok(json.toString().startsWith('{"apiVersion":"v1","kind":"ConfigMap",'));
  assert.equal(typedJson(obj, cms), json, 'the same bytes for the same object');
  const other = typedJson({ ...obj }, cms);
  assert.notEqual(other, json, 'another object is serialized on its own');
  assert.ok(other.equals(json));
  const secrets = resourceInfo('secrets')!;
  assert.equal(JSON.parse(typedJson(obj, secrets).toString()).kind, 'Secret', 'typed as asked, not as remembered');
});
