import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '@kubelab/api';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroupList,
  apiResourceList,
  apiVersions,
  groupVersions,
} from './discovery.js';
import { aggregatedDiscoveryVersion, parseAccept, responseFormat, tableVersion } from './media.js';

type Json = Record<string, any>;

test('legacy /api and /apis', () => {
  assert.deepEqual(apiVersions('127.0.0.1:6443'), {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
  });
  const groups = apiGroupList() as Json;
  assert.equal(groups['kind'], 'APIGroupList');
  const apps = groups['groups'].find((g: Json) => g.name === 'apps');
  assert.deepEqual(apps, {
    name: 'apps',
    versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
    preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
  });
  assert.ok(!groups['groups'].some((g: Json) => g.name === ''), 'the core group is not in /apis');
  assert.deepEqual(groupVersions()[0], { group: '', version: 'v1' });
});

test('legacy resource lists: rows, short names, categories, subresources', () => {
  const core = apiResourceList('', 'v1') as Json;
  assert.equal(core['groupVersion'], 'v1');
  const pods = core['resources'].find((r: Json) => r.name === 'pods');
  assert.deepEqual(pods, {
    name: 'pods',
    singularName: 'pod',
    namespaced: true,
    kind: 'Pod',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['po'],
    categories: ['all'],
  });
  const names = core['resources'].map((r: Json) => r.name);
  for (const n of ['pods/status', 'pods/binding', 'pods/log', 'namespaces', 'nodes', 'services'])
    assert.ok(names.includes(n), n);
  assert.equal(core['resources'].find((r: Json) => r.name === 'pods/log').singularName, '');

  const apps = apiResourceList('apps', 'v1') as Json;
  const scale = apps['resources'].find((r: Json) => r.name === 'deployments/scale');
  assert.deepEqual(scale, {
    name: 'deployments/scale',
    singularName: '',
    namespaced: true,
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
    verbs: ['get', 'patch', 'update'],
  });
  assert.ok(apps['resources'].some((r: Json) => r.name === 'replicasets/scale'));
  const served = RESOURCES.filter((r) => r.group === 'apps').length;
  assert.equal(apps['resources'].filter((r: Json) => !r.name.includes('/')).length, served, 'only served resources');
});

test('aggregated discovery: shape, non-empty responseKind everywhere, version echoed', () => {
  for (const v of ['v2', 'v2beta1'] as const) {
    const doc = aggregatedDiscovery('apis', v) as Json;
    assert.equal(doc['apiVersion'], `apidiscovery.k8s.io/${v}`);
    for (const item of doc['items']) {
      for (const ver of item.versions) {
        assert.equal(ver.freshness, 'Current');
        for (const r of ver.resources) {
          assert.ok(r.responseKind.kind, r.resource);
          for (const s of r.subresources ?? []) assert.ok(s.responseKind.kind, `${r.resource}/${s.subresource}`);
        }
      }
    }
  }
  const core = aggregatedDiscovery('api', 'v2') as Json;
  assert.equal(core['items'].length, 1);
  assert.equal(core['items'][0].metadata.name, '');
  const pods = core['items'][0].versions[0].resources.find((r: Json) => r.resource === 'pods');
  assert.equal(pods.scope, 'Namespaced');
  assert.deepEqual(pods.shortNames, ['po']);
  const apps = aggregatedDiscovery('apis', 'v2') as Json;
  const deploy = apps['items']
    .find((i: Json) => i.metadata.name === 'apps')
    .versions[0].resources.find((r: Json) => r.resource === 'deployments');
  assert.deepEqual(deploy.subresources.find((s: Json) => s.subresource === 'scale').responseKind, {
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
  });
  assert.equal(
    aggregatedContentType('v2beta1'),
    'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
  );
});

test('Accept negotiation as kubectl sends it', () => {
  const k127 = parseAccept(
    'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
  );
  const k130 = parseAccept(
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
  );
  assert.equal(aggregatedDiscoveryVersion(k127), 'v2beta1');
  assert.equal(aggregatedDiscoveryVersion(k130), 'v2');
  assert.equal(aggregatedDiscoveryVersion(parseAccept('application/json, */*')), undefined);
  assert.equal(aggregatedDiscoveryVersion(parseAccept(undefined)), undefined);

  const table = parseAccept(
    'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
  );
  assert.equal(tableVersion(table), 'v1');
  assert.equal(tableVersion(parseAccept('application/json;as=Table;v=v1beta1;g=meta.k8s.io')), 'v1beta1');
  assert.equal(tableVersion(parseAccept('application/json')), undefined);
  assert.equal(
    tableVersion(parseAccept('application/json, application/json;as=Table;v=v1;g=meta.k8s.io')),
    undefined,
    'first acceptable wins',
  );

  assert.equal(responseFormat(parseAccept('application/vnd.kubernetes.protobuf,application/json')), 'json');
  assert.equal(responseFormat(parseAccept('application/yaml')), 'yaml');
  assert.equal(responseFormat(parseAccept('application/vnd.kubernetes.protobuf')), undefined);
  assert.equal(responseFormat([]), 'json');
});

test('the review APIs are discovered (create only, never stored), with their group documents', () => {
  const authz = apiResourceList('authorization.k8s.io', 'v1') as Json;
  assert.deepEqual(
    authz['resources'].map((r: Json) => [r.name, r.kind, r.namespaced, r.verbs.join()]),
    [
      ['localsubjectaccessreviews', 'LocalSubjectAccessReview', true, 'create'],
      ['selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, 'create'],
      ['selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, 'create'],
      ['subjectaccessreviews', 'SubjectAccessReview', false, 'create'],
    ],
  );
  const groups = (apiGroupList() as Json)['groups'].map((g: Json) => g.name);
  assert.ok(groups.includes('authorization.k8s.io') && groups.includes('authentication.k8s.io'));
  const agg = aggregatedDiscovery('apis', 'v2') as Json;
  const authn = agg['items'].find((g: Json) => g.metadata.name === 'authentication.k8s.io');
  assert.deepEqual(
    authn.versions[0].resources.map((r: Json) => r.resource),
    ['selfsubjectreviews'],
  );
  assert.ok(!RESOURCES.some((r) => r.group === 'authorization.k8s.io'), 'not in the stored table');
});
