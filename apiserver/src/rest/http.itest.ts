/**
 * Integration test of the REST facade at the HTTP level (no kubectl): error Status objects,
 * content negotiation, subresources, patch types (watch streams: http-watch.itest.ts). Loopback only. Run with
 *   node --test apiserver/dist/rest/http.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { TestCluster } from './testing/harness.js';
import { restCalls } from './testing/rest-calls.js';

describe('REST facade over HTTP', () => {
  const cluster = new TestCluster();
  before(() => cluster.start());
  after(() => cluster.stop());

  const { call } = restCalls(cluster);

  test('health, version, unknown paths, unsupported methods', async () => {
    for (const p of ['/healthz', '/readyz', '/livez']) assert.equal((await call('GET', p)).text, 'ok');
    const v = await call('GET', '/version');
    assert.equal(v.json['major'], '1');
    assert.equal(v.json['minor'], '32');
    const nf = await call('GET', '/nope');
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
    assert.equal((await call('PUT', '/api/v1/namespaces/default/pods')).status, 405);
    assert.equal((await call('DELETE', '/api/v1/namespaces')).status, 405, 'namespaces have no deletecollection verb');
    assert.equal((await call('POST', '/api/v1/pods', {})).status, 405);
    const plainExec = await call('GET', '/api/v1/namespaces/default/pods/running/exec?command=true&stdout=true');
    assert.equal(plainExec.status, 400, 'exec needs an upgrade (streams/)');
    assert.equal(plainExec.json['message'], 'Upgrade request required');
  });

  test('aggregated discovery only when asked, with the asked version echoed', async () => {
    const legacy = await call('GET', '/apis', undefined, { Accept: 'application/json' });
    assert.equal(legacy.json['kind'], 'APIGroupList');
    const agg = await call('GET', '/api', undefined, {
      Accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
    });
    assert.equal(agg.type, 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
    assert.equal(agg.json['apiVersion'], 'apidiscovery.k8s.io/v2beta1');
  });

  test('bad bodies: malformed JSON/YAML, wrong kind, protobuf', async () => {
    const bad = await call('POST', '/api/v1/namespaces/default/pods', '{"kind":');
    assert.equal(bad.status, 400);
    assert.match(bad.json['message'], /^error decoding body: /);
    const badYaml = await call('POST', '/api/v1/namespaces/default/pods', 'a: [', {
      'Content-Type': 'application/yaml',
    });
    assert.equal(badYaml.status, 400);
    const wrong = await call('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
    });
    assert.equal(wrong.status, 400);
    assert.match(
      wrong.json['message'],
      /API version in the data \(apps\/v1\) does not match the expected API version \(v1\)/,
    );
    const ns = await call('POST', '/api/v1/namespaces/default/pods', {
      kind: 'Pod',
      metadata: { name: 'x', namespace: 'other' },
    });
    assert.equal(ns.status, 400);
    const pb = await call('POST', '/apis/apps/v1/namespaces/default/deployments', Buffer.from('k8s\0\x0a'), {
      'Content-Type': 'application/vnd.kubernetes.protobuf',
    });
    assert.equal(pb.status, 400, 'truncated protobuf is a 400, not a crash');
    assert.match(pb.json['message'], /^error decoding protobuf body: .*truncated/);
    const xml = await call('POST', '/apis/apps/v1/namespaces/default/deployments', '<x/>', {
      'Content-Type': 'application/xml',
    });
    assert.equal(xml.status, 415);
    assert.equal(xml.json['reason'], 'UnsupportedMediaType');
    const notObject = await call('POST', '/api/v1/namespaces/default/pods', '[1]');
    assert.equal(notObject.status, 400);
  });

  test('create from YAML (201), dryRun=All stores nothing, PUT with a stale resourceVersion is 409', async () => {
    const yaml =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers: [{name: c, image: i}]\n';
    const created = await call('POST', '/api/v1/namespaces/default/pods', yaml, { 'Content-Type': 'application/yaml' });
    assert.equal(created.status, 201);
    assert.equal(created.json['kind'], 'Pod');
    assert.equal(created.json['metadata']['namespace'], 'default');
    const dry = await call('POST', '/api/v1/namespaces/default/pods?dryRun=All', {
      kind: 'Pod',
      metadata: { name: 'dry' },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    assert.equal(dry.status, 201);
    await assert.rejects(cluster.registry.get('pods', 'default', 'dry'));
    const stale = { ...created.json, metadata: { ...created.json['metadata'], resourceVersion: '1' } };
    const put = await call('PUT', '/api/v1/namespaces/default/pods/from-yaml', stale);
    assert.equal(put.status, 409);
    assert.equal(put.json['reason'], 'Conflict');
    const ok = await call('PUT', '/api/v1/namespaces/default/pods/from-yaml', {
      ...created.json,
      metadata: { ...created.json['metadata'], labels: { a: 'b' } },
    });
    assert.equal(ok.status, 200);
    const mismatch = await call('PUT', '/api/v1/namespaces/default/pods/other', created.json);
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.json['message'], /does not match the name on the URL/);
  });

  test('GET as List, as Table (one row for an item), as YAML; pagination', async () => {
    const list = await call('GET', '/api/v1/namespaces/default/pods?limit=2');
    assert.equal(list.json['kind'], 'PodList');
    assert.equal(list.json['items'].length, 2);
    assert.ok(list.json['metadata']['continue']);
    const rest = await call(
      'GET',
      `/api/v1/namespaces/default/pods?limit=2&continue=${encodeURIComponent(list.json['metadata']['continue'])}`,
    );
    assert.ok(rest.json['items'].length >= 1);
    const table = await call('GET', '/api/v1/namespaces/default/pods/running', undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    assert.equal(table.json['kind'], 'Table');
    assert.equal(table.json['rows'].length, 1);
    assert.equal(table.json['rows'][0].object.kind, 'PartialObjectMetadata');
    const yaml = await call('GET', '/api/v1/namespaces/default/pods/running', undefined, {
      Accept: 'application/yaml',
    });
    assert.match(yaml.text, /^apiVersion: v1\nkind: Pod\n/);
    assert.equal(
      (
        await call('GET', '/api/v1/namespaces/default/pods/running', undefined, {
          Accept: 'application/vnd.kubernetes.protobuf',
        })
      ).status,
      406,
    );
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods?labelSelector=a+in+(', undefined)).status, 400);
  });

  test('PATCH: merge, JSON patch, strategic, apply; 415 for other types; 404 for missing objects', async () => {
    const base = '/api/v1/namespaces/default/pods/running';
    const merge = await call(
      'PATCH',
      base,
      { metadata: { labels: { tier: 'fe' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(merge.status, 200);
    assert.equal(merge.json['metadata']['labels']['tier'], 'fe');
    const jp = await call('PATCH', base, [{ op: 'add', path: '/metadata/annotations', value: { x: 'y' } }], {
      'Content-Type': 'application/json-patch+json',
    });
    assert.deepEqual(jp.json['metadata']['annotations'], { x: 'y' });
    const smp = await call(
      'PATCH',
      base,
      { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    assert.equal(smp.json['spec']['containers'][0].image, 'nginx:2');
    const failed = await call('PATCH', base, [{ op: 'test', path: '/metadata/name', value: 'other' }], {
      'Content-Type': 'application/json-patch+json',
    });
    assert.equal(failed.status, 422);
    const other = await call('PATCH', base, {}, { 'Content-Type': 'application/json' });
    assert.equal(other.status, 415);
    const missing = await call(
      'PATCH',
      '/api/v1/namespaces/default/pods/nope',
      {},
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.json['message'], 'pods "nope" not found');
    const applyNew = await call(
      'PATCH',
      '/api/v1/namespaces/default/pods/applied?fieldManager=me',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: applied}\nspec: {containers: [{name: c, image: i}]}\n',
      {
        'Content-Type': 'application/apply-patch+yaml',
      },
    );
    assert.equal(applyNew.status, 201);
    const applyNoManager = await call('PATCH', '/api/v1/namespaces/default/pods/applied', '{}', {
      'Content-Type': 'application/apply-patch+yaml',
    });
    assert.equal(applyNoManager.status, 400);
  });

  test('status subresource, binding, scale, log', async () => {
    const st = await call(
      'PATCH',
      '/api/v1/namespaces/default/pods/creating/status',
      { status: { phase: 'Running' } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(st.status, 200);
    assert.equal(st.json['status']['phase'], 'Running');
    assert.ok(cluster.registry.calls.includes('updateStatus pods default/creating'));
    const getSt = await call('GET', '/api/v1/namespaces/default/pods/creating/status');
    assert.equal(getSt.json['status']['phase'], 'Running');

    const bind = await call('POST', '/api/v1/namespaces/default/pods/creating/binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'creating' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
    });
    assert.equal(bind.status, 201);
    assert.deepEqual(bind.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    assert.equal(
      ((await cluster.registry.get('pods', 'default', 'creating')).spec as { nodeName: string }).nodeName,
      'node-1',
    );
    assert.equal(
      (await call('POST', '/api/v1/namespaces/default/pods/creating/binding', { target: { name: 'node-2' } })).status,
      409,
    );

    await cluster.registry.create('deployments', 'default', {
      metadata: { name: 'd' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });
    const scale = await call('GET', '/apis/apps/v1/namespaces/default/deployments/d/scale');
    assert.deepEqual(
      [scale.json['kind'], scale.json['apiVersion'], scale.json['spec'], scale.json['status']['selector']],
      ['Scale', 'autoscaling/v1', { replicas: 1 }, 'app=d'],
    );
    const scaled = await call(
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/d/scale',
      { spec: { replicas: 5 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(scaled.json['spec']['replicas'], 5);
    const neg = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/d/scale', {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: -1 },
    });
    assert.equal(neg.status, 422);

    const log = await call('GET', '/api/v1/namespaces/default/pods/running/log?container=c');
    assert.equal(log.status, 503, 'no kubelet connector in this harness');
    const badContainer = await call('GET', '/api/v1/namespaces/default/pods/running/log?container=x');
    assert.equal(badContainer.status, 400);
    assert.equal(badContainer.json['message'], 'container x is not valid for pod running');
    const waiting = await call('GET', '/api/v1/namespaces/default/pods/crashing/log');
    assert.equal(waiting.status, 400);
    assert.equal(waiting.json['message'], 'container "c" in pod "crashing" is waiting to start: CrashLoopBackOff');
    const negTail = await call('GET', '/api/v1/namespaces/default/pods/running/log?tailLines=-1');
    assert.equal(negTail.status, 422);
  });

  test('DELETE: body options, preconditions, collection with a label selector', async () => {
    await cluster.registry.create('pods', 'default', {
      metadata: { name: 'del1', labels: { gone: 'yes' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    await cluster.registry.create('pods', 'default', {
      metadata: { name: 'del2', labels: { gone: 'yes' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    const pre = await call('DELETE', '/api/v1/namespaces/default/pods/del1', {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      preconditions: { uid: 'not-it' },
    });
    assert.equal(pre.status, 409);
    const del = await call('DELETE', '/api/v1/namespaces/default/pods/del1?gracePeriodSeconds=0', {
      propagationPolicy: 'Foreground',
    });
    // Foreground: the pod stays, deleting, with the foregroundDeletion finalizer (202, as upstream) until the garbage collector ends it.
    assert.equal(del.status, 202);
    assert.equal(del.json['metadata']['name'], 'del1');
    assert.deepEqual(del.json['metadata']['finalizers'], ['foregroundDeletion']);
    assert.ok(del.json['metadata']['deletionTimestamp']);
    assert.ok(cluster.registry.calls.includes('delete pods default/del1 Foreground'));
    const coll = await call('DELETE', '/api/v1/namespaces/default/pods?labelSelector=gone%3Dyes');
    assert.equal(coll.status, 200);
    assert.deepEqual(
      coll.json['items'].map((i: KubeObject) => i.metadata.name),
      ['del1', 'del2'],
      'the deleting del1 is still there, so still matched',
    );
    assert.equal((await call('DELETE', '/api/v1/namespaces/default/pods/del2')).status, 404);
  });

  test('openapi endpoints', async () => {
    const v2 = await fetch(`${cluster.url}/openapi/v2`, {
      headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
    });
    assert.equal(v2.status, 200);
    assert.ok((await v2.arrayBuffer()).byteLength > 100);
    const index = await call('GET', '/openapi/v3');
    const url = index.json['paths']['apis/apps/v1'].serverRelativeURL as string;
    const doc = await call('GET', url);
    assert.equal(doc.json['openapi'], '3.0.0');
    assert.equal((await call('GET', '/openapi/v3/apis/batch/v1')).status, 200);
    assert.equal((await call('GET', '/openapi/v3/apis/storage.k8s.io/v1')).status, 200);
    assert.equal((await call('GET', '/openapi/v3/apis/rbac.authorization.k8s.io/v1')).status, 200);
    assert.equal((await call('GET', '/openapi/v3/apis/flowcontrol.apiserver.k8s.io/v1')).status, 404);
  });
});
