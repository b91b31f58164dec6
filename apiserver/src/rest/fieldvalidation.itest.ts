/**
 * Integration test: `fieldValidation` (Strict, Warn, Ignore) against a real apiserver on a real
 * etcd, over HTTP (JSON and YAML bodies, create, update, patch types, server-side apply) and with
 * the real kubectl (`--validate=strict|warn|false`). Unknown fields are never stored. Run with
 *   node --test apiserver/dist/rest/fieldvalidation.itest.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findKubectl } from './testing/harness.js';
import { StoreCluster, type Json, type Reply } from './testing/store-cluster.js';

const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const KUBECTLS = ['kubectl.1.27', 'kubectl', 'kubectl.1.33']
  .map((n) => [n, findKubectl(n)] as const)
  .filter((e): e is readonly [string, string] => e[1] !== undefined);

/** A deployment body as text, so that it can carry what JSON.stringify cannot: duplicate keys. */
const deploymentJson = (name: string, specExtra = ''): string =>
  `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}"},"spec":{${specExtra}"selector":{"matchLabels":{"app":"${name}"}},"template":{"metadata":{"labels":{"app":"${name}"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}`;

function expectStatus(r: Reply, code: number, reason: string, message: string): void {
  assert.equal(r.status, code, r.text);
  assert.equal(r.json['reason'], reason, r.text);
  assert.equal(r.json['message'], message);
}

describe('fieldValidation on a real apiserver', () => {
  const c = new StoreCluster();
  before(() => c.start());
  after(() => c.stop());

  const stored = async (name: string): Promise<Json> => (await c.call('GET', `${DEPLOYS}/${name}`)).json;

  test('create: Strict names each unknown and duplicate field (400), Warn warns, Ignore and the default drop silently or warn; nothing unknown is stored', async () => {
    const body = deploymentJson('s1', '"replicas":1,"replicas":2,"foo":"bar",');
    expectStatus(
      await c.call('POST', `${DEPLOYS}?fieldValidation=Strict`, body),
      400,
      'BadRequest',
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: duplicate field "spec.replicas", unknown field "spec.foo"',
    );
    const warn = await c.call('POST', `${DEPLOYS}?fieldValidation=Warn`, body);
    assert.equal(warn.status, 201, warn.text);
    assert.deepEqual(warn.warnings, ['duplicate field "spec.replicas"', 'unknown field "spec.foo"']);
    assert.equal(warn.json['spec']['replicas'], 2, 'the last duplicate wins');
    assert.equal(warn.json['spec']['foo'], undefined);
    const ignore = await c.call(
      'POST',
      `${DEPLOYS}?fieldValidation=Ignore`,
      body.replace('"s1"', '"s2"').replace('"s1"', '"s2"').replace('"s1"', '"s2"'),
    );
    assert.equal(ignore.status, 201, ignore.text);
    assert.deepEqual(ignore.warnings, []);
    const byDefault = await c.call('POST', DEPLOYS, deploymentJson('s3', '"foo":1,'));
    assert.equal(byDefault.status, 201);
    assert.deepEqual(byDefault.warnings, ['unknown field "spec.foo"'], 'Warn is the default');
    for (const n of ['s1', 's2', 's3'])
      assert.equal((await stored(n))['spec']['foo'], undefined, `${n} stored without the unknown field`);
    expectStatus(
      await c.call('POST', `${DEPLOYS}?fieldValidation=strict`, deploymentJson('s4')),
      422,
      'Invalid',
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
    );
    expectStatus(
      await c.call('POST', `${DEPLOYS}`, deploymentJson('s4', '"replicas":"two",')),
      400,
      'BadRequest',
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    const nested = await c.call(
      'POST',
      `${DEPLOYS}?fieldValidation=Strict`,
      deploymentJson('s4').replace('"image":"busybox"', '"image":"busybox","imagePullPolicyy":"Always"'),
    );
    expectStatus(
      nested,
      400,
      'BadRequest',
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
    );
  });

  test('YAML bodies: duplicate keys with their line, unknown fields; update (PUT) as create', async () => {
    const yaml = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: y1',
      'data:',
      '  a: "1"',
      '  a: "2"',
      'extra: true',
      '',
    ].join('\n');
    expectStatus(
      await c.call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', yaml, {
        'Content-Type': 'application/yaml',
      }),
      400,
      'BadRequest',
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "a" already set in map, unknown field "extra"',
    );
    const cur = await stored('s3');
    const put = await c.call('PUT', `${DEPLOYS}/s3?fieldValidation=Strict`, {
      ...cur,
      spec: { ...cur['spec'], paused: true, pausd: true },
    });
    expectStatus(
      put,
      400,
      'BadRequest',
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.pausd"',
    );
  });

  test('patches: unknown fields in the result are Strict 422 on "patch" or warnings; server-side apply refuses them always', async () => {
    const smp = await c.call(
      'PATCH',
      `${DEPLOYS}/s3?fieldValidation=Strict`,
      { spec: { replicaz: 3 } },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    expectStatus(
      smp,
      422,
      'Invalid',
      ' "" is invalid: patch: Invalid value: "map[spec:map[replicaz:3]]": strict decoding error: unknown field "spec.replicaz"',
    );
    const merge = await c.call(
      'PATCH',
      `${DEPLOYS}/s3`,
      { spec: { replicaz: 3 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(merge.status, 200, merge.text);
    assert.deepEqual(merge.warnings, ['unknown field "spec.replicaz"']);
    assert.equal((await stored('s3'))['spec']['replicaz'], undefined);
    const json = await c.call(
      'PATCH',
      `${DEPLOYS}/s3?fieldValidation=Strict`,
      [{ op: 'add', path: '/spec/bogus', value: 1, extra: 2 }],
      { 'Content-Type': 'application/json-patch+json' },
    );
    assert.equal(json.status, 422, json.text);
    assert.match(
      String(json.json['message']),
      /strict decoding error: json patch unknown field "\[0\]\.extra", unknown field "spec\.bogus"$/,
    );
    const apply = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: s3',
      'spec:',
      '  replicas: 2',
      '  foo: bar',
      '',
    ].join('\n');
    expectStatus(
      await c.call('PATCH', `${DEPLOYS}/s3?fieldManager=me&fieldValidation=Ignore`, apply, {
        'Content-Type': 'application/apply-patch+yaml',
      }),
      400,
      'BadRequest',
      'failed to create typed patch object (apps/v1, Kind=Deployment): .spec.foo: field not declared in schema',
    );
    const dup = apply.replace('  foo: bar\n', '  replicas: 3\n');
    expectStatus(
      await c.call('PATCH', `${DEPLOYS}/s3?fieldManager=me&fieldValidation=Strict`, dup, {
        'Content-Type': 'application/apply-patch+yaml',
      }),
      400,
      'BadRequest',
      'error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "replicas" already set in map',
    );
    const warned = await c.call('PATCH', `${DEPLOYS}/s3?fieldManager=me`, dup, {
      'Content-Type': 'application/apply-patch+yaml',
    });
    assert.equal(warned.status, 200, warned.text);
    assert.equal(warned.json['spec']['replicas'], 3);
    assert.deepEqual(warned.warnings, [
      'error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "replicas" already set in map',
    ]);
    await c.assertWatchDelivers('after-fieldvalidation');
  });

  const manifest = (image: string, extra: string): string =>
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: kv',
      'spec:',
      extra,
      '  selector:',
      '    matchLabels: {app: kv}',
      '  template:',
      '    metadata:',
      '      labels: {app: kv}',
      '    spec:',
      '      containers:',
      `      - name: c`,
      `        image: ${image}`,
      '',
    ].join('\n');

  for (const [label, bin] of KUBECTLS) {
    test(`${label}: apply --validate=strict fails with the server's message, --validate=warn prints the warning, --validate=false drops the field`, async () => {
      await c.call('DELETE', `${DEPLOYS}/kv`);
      const bad = c.file('bad.yaml', manifest('busybox', '  replicas: 1\n  foo: bar'));
      const strict = await c.kubectl(bin, ['apply', '--validate=strict', '-f', bad]);
      assert.notEqual(strict.code, 0);
      assert.match(
        strict.stderr,
        /Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"/,
      );
      assert.equal((await c.call('GET', `${DEPLOYS}/kv`)).status, 404, 'not created');
      const warn = await c.kubectl(bin, ['apply', '--validate=warn', '-f', bad]);
      assert.equal(warn.code, 0, warn.stderr);
      assert.match(warn.stderr, /Warning: unknown field "spec.foo"/);
      assert.equal((await stored('kv'))['spec']['foo'], undefined);
      // The object exists now: apply patches it, and the patch is checked the same way.
      const bad2 = c.file('bad2.yaml', manifest('busybox:1.36', '  replicas: 1\n  foo: baz'));
      const strictPatch = await c.kubectl(bin, ['apply', '--validate=strict', '-f', bad2]);
      assert.notEqual(strictPatch.code, 0);
      assert.match(strictPatch.stderr, /strict decoding error: unknown field "spec.foo"/);
      const ignored = await c.kubectl(bin, ['apply', '--validate=false', '-f', bad2]);
      assert.equal(ignored.code, 0, ignored.stderr);
      assert.doesNotMatch(ignored.stderr, /Warning/);
      const live = await stored('kv');
      assert.equal(live['spec']['template']['spec']['containers'][0]['image'], 'busybox:1.36');
      assert.equal(live['spec']['foo'], undefined);
    });
  }
});
