import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '../types.js';
import { applyDefaults } from '../defaults/index.js';
import { assertValid, validateObject } from './index.js';

function deployment(over: Record<string, unknown> = {}): KubeObject {
  return applyDefaults('deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...over,
    },
  });
}

function errorOf(fn: () => void): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  assert.fail('expected an ApiError');
}

describe('validation', () => {
  it('accepts a valid defaulted deployment, pod and service', () => {
    assert.deepEqual(validateObject('deployments', deployment()), []);
    const pod = applyDefaults('pods', {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'a', image: 'busybox:1.36', ports: [{ containerPort: 80 }] }] },
    });
    assert.deepEqual(validateObject('pods', pod), []);
    const svc = applyDefaults('services', {
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    assert.deepEqual(validateObject('services', svc), []);
  });

  it('reports a missing selector like upstream, with causes', () => {
    const d = deployment();
    delete (d.spec as Record<string, unknown>).selector;
    const e = errorOf(() => assertValid('deployments', d));
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.httpCode, 422);
    assert.equal(
      e.message,
      'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`]',
    );
    assert.deepEqual(e.details?.causes?.[0], {
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: 'spec.selector',
    });
    assert.equal(e.details?.kind, 'Deployment');
    assert.equal(e.details?.group, 'apps');
    assert.equal(e.details?.name, 'web');
  });

  it('prints a single error without brackets', () => {
    const d = deployment({ replicas: -1 });
    const e = errorOf(() => assertValid('deployments', d));
    assert.equal(
      e.message,
      'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it('rejects template labels that the selector does not match', () => {
    const d = deployment({ selector: { matchLabels: { app: 'x' } } });
    const e = errorOf(() => assertValid('deployments', d));
    assert.equal(
      e.message,
      'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    );
  });

  it('allows only Always as restart policy in workload templates', () => {
    const d = deployment();
    (d.spec as { template: { spec: Record<string, unknown> } }).template.spec.restartPolicy = 'Never';
    const errs = validateObject('deployments', d);
    assert.deepEqual(
      errs.map((x) => x.field),
      ['spec.template.spec.restartPolicy'],
    );
  });

  it('checks pod containers: required, names, duplicates, ports and restart policy', () => {
    const empty = validateObject('pods', applyDefaults('pods', { metadata: { name: 'p' }, spec: { containers: [] } }));
    assert.deepEqual(
      empty.map((e) => `${e.field}: ${e.type}`),
      ['spec.containers: FieldValueRequired'],
    );
    const pod = applyDefaults('pods', {
      metadata: { name: 'Bad_Name' },
      spec: {
        restartPolicy: 'Sometimes',
        containers: [
          { name: 'a', image: 'x', ports: [{ containerPort: 70000 }] },
          { name: 'a', image: '' },
        ],
      },
    });
    const e = errorOf(() => assertValid('pods', pod));
    const fields = e.details?.causes?.map((c) => c.field);
    assert.deepEqual(fields, [
      'metadata.name',
      'spec.containers[0].ports[0].containerPort',
      'spec.containers[1].name',
      'spec.containers[1].image',
      'spec.restartPolicy',
    ]);
    assert.match(
      e.message,
      /spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive/,
    );
    assert.match(e.message, /spec\.containers\[1\]\.name: Duplicate value: "a"/);
    assert.match(
      e.message,
      /spec\.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"/,
    );
    assert.match(
      e.message,
      /^Pod "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
  });

  it('requires a name or generateName', () => {
    const errs = validateObject(
      'pods',
      applyDefaults('pods', { metadata: {}, spec: { containers: [{ name: 'a', image: 'x' }] } }),
    );
    assert.deepEqual(
      errs.map((e) => [e.field, e.detail]),
      [['metadata.name', 'name or generateName is required']],
    );
  });

  it('forbids changing a pod spec other than images', () => {
    const old = applyDefaults('pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'x:1' }] } });
    const img = structuredClone(old);
    (img.spec as { containers: { image: string }[] }).containers[0]!.image = 'x:2';
    assert.deepEqual(validateObject('pods', img, old), []);
    const node = structuredClone(old);
    (node.spec as Record<string, unknown>).nodeName = 'n1';
    assert.deepEqual(
      validateObject('pods', node, old).map((e) => `${e.field}: ${e.type}`),
      ['spec: FieldValueForbidden'],
    );
  });

  it('checks services: ports, names, types, headless and external names', () => {
    const svc = (spec: Record<string, unknown>, name = 'web'): KubeObject =>
      applyDefaults('services', { metadata: { name }, spec });
    assert.deepEqual(
      validateObject('services', svc({ selector: { a: 'b' } })).map((e) => e.field),
      ['spec.ports'],
    );
    assert.deepEqual(validateObject('services', svc({ clusterIP: 'None' })), []);
    assert.deepEqual(validateObject('services', svc({ type: 'ExternalName', externalName: 'example.com' })), []);
    assert.deepEqual(
      validateObject('services', svc({ type: 'ExternalName' })).map((e) => e.field),
      ['spec.externalName'],
    );
    const multi = validateObject(
      'services',
      svc({ ports: [{ port: 80 }, { port: 0, name: 'x' }, { port: 81, name: 'x' }] }),
    );
    assert.deepEqual(
      multi.map((e) => `${e.field}: ${e.type}`),
      [
        'spec.ports[0].name: FieldValueRequired',
        'spec.ports[1].port: FieldValueInvalid',
        'spec.ports[1].targetPort: FieldValueInvalid',
        'spec.ports[2].name: FieldValueDuplicate',
      ],
    );
    const typ = validateObject('services', svc({ type: 'Bogus', ports: [{ port: 80 }] }));
    assert.equal(typ[0]?.detail, 'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
    assert.deepEqual(
      validateObject('services', svc({ ports: [{ port: 80, nodePort: 30001 }] })).map((e) => e.type),
      ['FieldValueForbidden'],
    );
    assert.deepEqual(
      validateObject('services', svc({ ports: [{ port: 80 }] }, '1web')).map((e) => e.field),
      ['metadata.name'],
    );
  });

  it('checks namespaces as labels, leases and endpoints lightly', () => {
    assert.deepEqual(
      validateObject('namespaces', applyDefaults('namespaces', { metadata: { name: 'a.b' } })).map((e) => e.field),
      ['metadata.name'],
    );
    assert.deepEqual(
      validateObject('leases', { metadata: { name: 'l' }, spec: { leaseDurationSeconds: 0 } }).map((e) => e.field),
      ['spec.leaseDurationSeconds'],
    );
    const ep = { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: 'nope' }], ports: [{ port: 80 }] }] };
    assert.deepEqual(
      validateObject('endpoints', ep).map((e) => e.field),
      ['subsets[0].addresses[0].ip'],
    );
  });

  it('checks label keys and values', () => {
    const errs = validateObject(
      'pods',
      applyDefaults('pods', {
        metadata: { name: 'p', labels: { 'bad key': 'ok', ok: 'bad value' } },
        spec: { containers: [{ name: 'a', image: 'x' }] },
      }),
    );
    assert.deepEqual(
      errs.map((e) => [e.field, e.value]),
      [
        ['metadata.labels', 'bad key'],
        ['metadata.labels', 'bad value'],
      ],
    );
  });
});
