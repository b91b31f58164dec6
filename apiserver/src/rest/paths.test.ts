import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePath, type ParsedPath } from './paths.js';

function route(p: string): { resource: string; namespace: string; name?: string; subresource?: string } | string {
  const r: ParsedPath = parsePath(p);
  if (r.kind !== 'resource') return r.kind;
  const out: { resource: string; namespace: string; name?: string; subresource?: string } = {
    resource: r.route.info.resource,
    namespace: r.route.namespace,
  };
  if (r.route.name !== undefined) out.name = r.route.name;
  if (r.route.subresource !== undefined) out.subresource = r.route.subresource;
  return out;
}

test('discovery paths', () => {
  assert.equal(route('/api'), 'apiVersions');
  assert.equal(route('/apis/'), 'groupList');
  assert.deepEqual(parsePath('/api/v1'), { kind: 'resourceList', group: '', version: 'v1' });
  assert.deepEqual(parsePath('/apis/apps/v1'), { kind: 'resourceList', group: 'apps', version: 'v1' });
  assert.deepEqual(parsePath('/apis/apps'), { kind: 'group', group: 'apps' });
  assert.equal(route('/apis/batch/v1'), 'resourceList');
  assert.equal(route('/apis/batch/v2'), 'unknown');
  assert.equal(route('/apis/extensions/v1beta1'), 'unknown');
  assert.equal(route('/apis/apps/v2'), 'unknown');
  assert.equal(route('/api/v2'), 'unknown');
  // Discovered groups served by their own handlers: their documents here, their resources elsewhere.
  assert.deepEqual(parsePath('/apis/authorization.k8s.io'), { kind: 'group', group: 'authorization.k8s.io' });
  assert.equal(route('/apis/authentication.k8s.io/v1'), 'resourceList');
  assert.equal(route('/apis/metrics.k8s.io/v1beta1'), 'resourceList');
  assert.equal(route('/apis/authorization.k8s.io/v1/subjectaccessreviews'), 'unknown');
});

test('namespaced resources', () => {
  assert.deepEqual(route('/api/v1/namespaces/default/pods'), { resource: 'pods', namespace: 'default' });
  assert.deepEqual(route('/api/v1/namespaces/default/pods/web-1'), {
    resource: 'pods',
    namespace: 'default',
    name: 'web-1',
  });
  assert.deepEqual(route('/api/v1/namespaces/default/pods/web-1/binding'), {
    resource: 'pods',
    namespace: 'default',
    name: 'web-1',
    subresource: 'binding',
  });
  assert.deepEqual(route('/apis/apps/v1/namespaces/x/deployments/web/scale'), {
    resource: 'deployments',
    namespace: 'x',
    name: 'web',
    subresource: 'scale',
  });
  assert.deepEqual(route('/api/v1/pods'), { resource: 'pods', namespace: '' }, 'all namespaces');
  assert.equal(route('/api/v1/pods/web-1'), 'unknown', 'an item needs its namespace');
  assert.equal(route('/api/v1/namespaces/default/deployments'), 'unknown', 'wrong group');
  assert.equal(route('/api/v1/namespaces/default/pods/a/b/c'), 'unknown');
});

test('cluster-scoped resources, and namespaces themselves', () => {
  assert.deepEqual(route('/api/v1/nodes/n1/status'), {
    resource: 'nodes',
    namespace: '',
    name: 'n1',
    subresource: 'status',
  });
  assert.deepEqual(route('/api/v1/namespaces'), { resource: 'namespaces', namespace: '' });
  assert.deepEqual(route('/api/v1/namespaces/default'), { resource: 'namespaces', namespace: '', name: 'default' });
  assert.deepEqual(route('/api/v1/namespaces/default/status'), {
    resource: 'namespaces',
    namespace: '',
    name: 'default',
    subresource: 'status',
  });
  assert.deepEqual(route('/api/v1/namespaces/a%2Fb'), { resource: 'namespaces', namespace: '', name: 'a/b' });
  assert.equal(route('/api/v1/namespaces/default/nodes'), 'unknown', 'nodes are not namespaced');
});

test('unknown paths', () => {
  for (const p of [
    '/',
    '/foo',
    '/api/v1/foos',
    '/apis/apps/v1/deployments/x',
    '/api//v1',
    '/api/v1/namespaces/%E0%A4%A',
  ])
    assert.equal(route(p), 'unknown', p);
});
