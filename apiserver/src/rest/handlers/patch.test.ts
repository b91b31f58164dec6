import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { ApiError, conflict } from '@kubelab/proto';
import { findResource } from '../paths.js';
import { applyPatch, patchedObject, PATCH_ATTEMPTS, readModifyWrite, type ParsedPatch } from './patch.js';
import type { PatchType } from '../media.js';
import type { FieldValidation } from '../decode/strict.js';

const obj = (rv: string, replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: rv },
  spec: { replicas },
});

test('readModifyWrite pins the read resourceVersion and retries on Conflict', async () => {
  let version = 1;
  const writes: string[] = [];
  const result = await readModifyWrite(
    async () => obj(String(version)),
    (cur) => ({ ...cur, spec: { replicas: 5 } }),
    async (next) => {
      writes.push(next.metadata.resourceVersion!);
      if (writes.length < 3) {
        version++; // someone else wrote in between
        throw conflict('deployments', 'web', 'apps');
      }
      return next;
    },
  );
  assert.deepEqual(writes, ['1', '2', '3']);
  assert.equal((result.spec as { replicas: number }).replicas, 5);
});

test('readModifyWrite gives up after a few attempts and does not retry other errors', async () => {
  let writes = 0;
  await assert.rejects(
    readModifyWrite(
      async () => obj('1'),
      (c) => c,
      async () => {
        writes++;
        throw conflict('deployments', 'web', 'apps');
      },
    ),
    (e: unknown) => (e as ApiError).reason === 'Conflict',
  );
  assert.equal(writes, PATCH_ATTEMPTS);
  writes = 0;
  await assert.rejects(
    readModifyWrite(
      async () => obj('1'),
      (c) => c,
      async () => {
        writes++;
        throw new ApiError('Invalid', 'nope');
      },
    ),
    (e: unknown) => (e as ApiError).reason === 'Invalid',
  );
  assert.equal(writes, 1);
});

test('a patch that sets resourceVersion is a precondition: its Conflict is not retried', async () => {
  let writes = 0;
  await assert.rejects(
    readModifyWrite(
      async () => obj('7'),
      (c) => ({ ...c, metadata: { ...c.metadata, resourceVersion: '3' } }),
      async (next) => {
        writes++;
        assert.equal(next.metadata.resourceVersion, '3');
        throw conflict('deployments', 'web', 'apps');
      },
    ),
  );
  assert.equal(writes, 1);
});

const pp = (type: PatchType, body: unknown, mode: FieldValidation = 'Strict'): ParsedPatch => ({
  type,
  body,
  mode,
  strict: [],
});

test('patchedObject applies each patch type and keeps the object at its URL', () => {
  const info = findResource('apps', 'v1', 'deployments')!;
  const route = { info, namespace: 'default', name: 'web' };
  const cur = obj('4', 2);
  assert.equal(
    (patchedObject(route, cur, pp('merge', { spec: { replicas: 3 } })).spec as { replicas: number }).replicas,
    3,
  );
  assert.equal(
    (
      patchedObject(route, cur, pp('json', [{ op: 'replace', path: '/spec/replicas', value: 4 }])).spec as {
        replicas: number;
      }
    ).replicas,
    4,
  );
  assert.equal(
    (patchedObject(route, cur, pp('strategic', { spec: { replicas: 6 } })).spec as { replicas: number }).replicas,
    6,
  );
  assert.throws(
    () => patchedObject(route, cur, pp('merge', { metadata: { name: 'other' } })),
    /does not match the name on the URL/,
  );
  assert.throws(
    () => patchedObject(route, cur, pp('merge', { kind: 'Pod' })),
    (e: unknown) => (e as ApiError).reason === 'BadRequest',
  );
  assert.throws(
    () => patchedObject(route, cur, pp('merge', { metadata: { uid: 'u2' } })),
    (e: unknown) => (e as ApiError).reason === 'Invalid',
  );
  assert.throws(
    () => applyPatch('merge', cur, [1]),
    (e: unknown) => (e as ApiError).reason === 'BadRequest',
  );
});

test('patchedObject decodes the result: unknown fields the patch brings are Strict errors or warnings, and never stored', () => {
  const info = findResource('apps', 'v1', 'deployments')!;
  const route = { info, namespace: 'default', name: 'web' };
  const cur = obj('4', 2);
  assert.throws(
    () => patchedObject(route, cur, pp('strategic', { spec: { replicaz: 3 } })),
    (e: unknown) => {
      assert.equal((e as ApiError).reason, 'Invalid');
      assert.equal(
        (e as ApiError).message,
        ' "" is invalid: patch: Invalid value: "map[spec:map[replicaz:3]]": strict decoding error: unknown field "spec.replicaz"',
      );
      return true;
    },
  );
  const warnings: string[] = [];
  const out = patchedObject(route, cur, pp('merge', { spec: { replicaz: 3 } }, 'Warn'), undefined, warnings);
  assert.deepEqual(warnings, ['unknown field "spec.replicaz"']);
  assert.equal((out.spec as Record<string, unknown>)['replicaz'], undefined);
  assert.throws(
    () => patchedObject(route, cur, pp('json', [{ op: 'replace', path: '/spec/replicas', value: 'three' }])),
    /json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32/,
  );
  // A field already unknown in the stored object is dropped, not blamed on the patch.
  const old = { ...cur, spec: { ...(cur.spec as object), legacy: true } };
  const cleaned = patchedObject(route, old, pp('merge', { spec: { replicas: 1 } }), undefined, warnings);
  assert.deepEqual(warnings, []);
  assert.equal((cleaned.spec as Record<string, unknown>)['legacy'], undefined);
});
