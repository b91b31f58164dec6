import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_USER } from '../auth/user.js';
import { requestAttributes } from './attributes.js';

const at = (method: string, path: string) => {
  const a = requestAttributes(ADMIN_USER, method, new URL(path, 'https://x'));
  return a.resourceRequest
    ? [a.verb, a.apiGroup, a.resource, a.subresource, a.namespace, a.name].join('|')
    : `${a.verb} ${a.path}`;
};

test('REST requests map to upstream attributes', () => {
  assert.equal(at('GET', '/api/v1/namespaces/y/pods'), 'list||pods||y|');
  assert.equal(at('GET', '/api/v1/namespaces/y/pods?watch=true'), 'watch||pods||y|');
  assert.equal(at('GET', '/api/v1/pods?watch=1'), 'watch||pods|||');
  assert.equal(at('GET', '/api/v1/namespaces/y/pods/p'), 'get||pods||y|p');
  assert.equal(at('GET', '/api/v1/namespaces/y/pods/p/log'), 'get||pods|log|y|p');
  assert.equal(at('GET', '/api/v1/namespaces/y/pods/p/exec?command=sh'), 'create||pods|exec|y|p');
  assert.equal(at('POST', '/api/v1/namespaces/y/pods/p/portforward'), 'create||pods|portforward|y|p');
  assert.equal(at('POST', '/api/v1/namespaces/y/pods/p/binding'), 'create||pods|binding|y|p');
  assert.equal(at('DELETE', '/apis/apps/v1/namespaces/y/deployments'), 'deletecollection|apps|deployments||y|');
  assert.equal(at('PATCH', '/apis/apps/v1/namespaces/y/deployments/w/scale'), 'patch|apps|deployments|scale|y|w');
  assert.equal(at('PUT', '/api/v1/nodes/n1/status'), 'update||nodes|status||n1');
  assert.equal(at('GET', '/api/v1/namespaces/y'), 'get||namespaces||y|y');
  assert.equal(at('PUT', '/api/v1/namespaces/y/finalize'), 'update||namespaces|finalize|y|y');
  assert.equal(
    at('GET', '/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dcoredns'),
    'list||configmaps||kube-system|coredns',
  );
  assert.equal(at('GET', '/api/v1/watch/namespaces/y/pods'), 'watch||pods||y|');
  assert.equal(
    at('POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests'),
    'create|certificates.k8s.io|certificatesigningrequests|||',
  );
  assert.equal(
    at('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/c/approval'),
    'update|certificates.k8s.io|certificatesigningrequests|approval||c',
  );
});

test('everything else is a non-resource path, its verb the lower-case method', () => {
  assert.equal(at('GET', '/api'), 'get /api');
  assert.equal(at('GET', '/api/v1'), 'get /api/v1');
  assert.equal(at('GET', '/apis/apps/v1'), 'get /apis/apps/v1');
  assert.equal(at('HEAD', '/healthz'), 'get /healthz');
  assert.equal(at('GET', '/openapi/v3/api/v1'), 'get /openapi/v3/api/v1');
  assert.equal(at('POST', '/metrics'), 'post /metrics');
});
