import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { assertNestingDepth, MAX_NESTING_DEPTH } from '../../registry/limits.js';
import { fieldSchemaFor } from './field-schema.js';
import { duplicateKeys } from './json-scan.js';
import { readJson, readYaml } from './request-body.js';
import { base64ErrorAt, DecodeTypeError, decodeTyped } from './typed.js';
import { assertYamlDepth } from './yaml-body.js';

const badRequest =
  (re: RegExp) =>
  (e: unknown): boolean =>
    e instanceof ApiError && e.reason === 'BadRequest' && re.test(e.message);

test('nesting: at the limit is fine, one more is a 400, whatever the shape; cycles are too deep', () => {
  const chain = (d: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < d; i++) v = i % 2 ? [v] : { k: v };
    return v;
  };
  assertNestingDepth(chain(MAX_NESTING_DEPTH));
  assert.throws(() => assertNestingDepth(chain(MAX_NESTING_DEPTH + 1)), badRequest(/exceeded max depth of 500/));
  assert.throws(
    () => assertNestingDepth(JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)),
    badRequest(/exceeded max depth/),
  );
  const cyc: Record<string, unknown> = {};
  cyc['self'] = cyc;
  assert.throws(() => assertNestingDepth(cyc), badRequest(/exceeded max depth/));
});

test('duplicate JSON keys are found with their paths, strings and escapes notwithstanding', () => {
  assert.deepEqual(duplicateKeys('{"a":1,"b":{"c":[1,{"d":2,"d":3}],"c":"x"},"a":{"x\\"":1}}'), [
    'b.c[1].d',
    'b.c',
    'a',
  ]);
  assert.deepEqual(duplicateKeys('{"a":"{\\"a\\":1,\\"a\\":2}","b":"\\\\","c":1}'), []);
  assert.deepEqual(duplicateKeys('{"\\u0061":1,"a":2}'), ['a']);
  assert.deepEqual(duplicateKeys('[{"a":1},{"a":2}]'), []);
});

test('YAML: depth is measured on the lexer (quotes, block scalars and comments do not count), JSON is read as JSON', () => {
  assertYamlDepth('a: "[[[[[[["\nb: |\n  {{{{{{{{{{\nc: d # [[[[[[\n', 3);
  assert.throws(() => assertYamlDepth('a: [[[[1]]]]', 3), badRequest(/exceeded max depth of 3/));
  assert.throws(() => assertYamlDepth('- - - - x', 3), badRequest(/exceeded max depth of 3/));
  assert.throws(() => assertYamlDepth('a:\n b:\n  c:\n   d: 1\n', 3), badRequest(/exceeded max depth of 3/));
  assert.deepEqual(readYaml('{"a":1,"a":2}'), { value: { a: 2 }, strict: ['duplicate field "a"'] });
  assert.deepEqual(readYaml('{a: 1}').value, { a: 1 }, 'a flow mapping that is not JSON is YAML');
  assert.throws(() => readYaml('a: [1'), badRequest(/^error decoding body: /));
  assert.throws(() => readJson('{"a":'), badRequest(/^error decoding body: /));
  assert.throws(() => readYaml('a: 1\n---\nb: 2\n'), badRequest(/^error decoding body: /));
});

test('typed decoding: wrong types name the Go field, unknown fields are collected and pruned, nulls dropped', () => {
  const fs = fieldSchemaFor('apps/v1', 'Deployment')!;
  const obj: Record<string, unknown> = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', labels: { a: 'b' }, creationTimestamp: null },
    spec: {
      replicas: 2,
      foo: 1,
      template: {
        spec: {
          containers: [
            {
              name: 'c',
              image: 'x',
              bar: true,
              ports: [{ containerPort: 80 }],
              resources: { limits: { cpu: 'lots' } },
            },
          ],
        },
      },
    },
    status: null,
  };
  const issues = decodeTyped(fs, 'Deployment', obj, true);
  assert.deepEqual(issues.unknown, ['spec.foo', 'spec.template.spec.containers[0].bar']);
  assert.deepEqual(
    issues.quantities.map((q) => [q.field, q.value]),
    [['spec.template.spec.containers[0].resources.limits[cpu]', 'lots']],
  );
  assert.deepEqual(obj['metadata'], { name: 'd', labels: { a: 'b' } });
  assert.equal('status' in obj, false);
  assert.equal('foo' in (obj['spec'] as object), false);
  const typeError = (body: Record<string, unknown>, message: string): void =>
    assert.throws(
      () => decodeTyped(fs, 'Deployment', body, true),
      (e: unknown) => e instanceof DecodeTypeError && e.message === message,
    );
  typeError(
    { spec: { replicas: '1' } },
    'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
  );
  typeError(
    { spec: { replicas: 1.5 } },
    'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
  );
  typeError(
    { spec: { replicas: 2 ** 31 } },
    'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32',
  );
  typeError(
    { spec: { template: { spec: { containers: {} } } } },
    'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
  );
  typeError(
    { metadata: { labels: { a: 1 } } },
    'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
  );
  typeError(
    { metadata: { creationTimestamp: 'yesterday' } },
    'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
  );
  typeError(
    { spec: { strategy: { rollingUpdate: { maxSurge: 1.5 } } } },
    'json: cannot unmarshal number 1.5 into Go value of type int32',
  );
  typeError({ kind: 7 }, 'json: cannot unmarshal number into Go struct field Deployment.kind of type string');
  const sec = fieldSchemaFor('v1', 'Secret')!;
  assert.throws(
    () => decodeTyped(sec, 'Secret', { data: { k: 'not base64!' } }, true),
    (e: unknown) => e instanceof DecodeTypeError && e.message === 'illegal base64 data at input byte 3',
  );
  assert.equal(base64ErrorAt('aGVsbG8='), -1);
  assert.equal(base64ErrorAt('aGVsbG8'), 4);
  // Inline members (a volume's source, a probe's handler) and nested kinds' type meta are known fields.
  const sts = fieldSchemaFor('apps/v1', 'StatefulSet')!;
  const tmpl = {
    spec: {
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data' },
          spec: { resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
  assert.deepEqual(decodeTyped(sts, 'StatefulSet', tmpl, false).unknown, []);
  const pod = fieldSchemaFor('v1', 'Pod')!;
  const p = {
    spec: {
      volumes: [{ name: 'v', configMap: { name: 'cm' }, gitRepo: { repository: 'r' } }],
      containers: [{ name: 'c', livenessProbe: { httpGet: { port: 'http' } } }],
    },
  };
  assert.deepEqual(decodeTyped(pod, 'Pod', p, false).unknown, []);
});
