import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { applyDefaults } from '../defaults/index.js';
import { assertValid, validateObject } from './index.js';

function pod(mounts: Record<string, unknown>[]) {
  return applyDefaults('pods', {
    metadata: { name: 'p' },
    spec: {
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [{ name: 'a', image: 'busybox', volumeMounts: mounts }],
    },
  });
}

describe('validation: volumeMounts subPath and subPathExpr', () => {
  it('accepts relative paths, including names that only start with ".."', () => {
    const ok = pod([
      { name: 'data', mountPath: '/a', subPath: 'x/y' },
      { name: 'data', mountPath: '/b', subPathExpr: 'logs/$(POD_NAME)' },
      { name: 'data', mountPath: '/c', subPath: '..data/key' },
    ]);
    assert.deepEqual(validateObject('pods', ok), []);
  });

  it("rejects an absolute subPath with upstream's message and field path", () => {
    try {
      assertValid('pods', pod([{ name: 'data', mountPath: '/a', subPath: '/x' }]));
      assert.fail('expected Invalid');
    } catch (e) {
      assert.ok(e instanceof ApiError);
      assert.equal(e.reason, 'Invalid');
      assert.equal(
        e.message,
        'Pod "p" is invalid: spec.containers[0].volumeMounts.subPath: Invalid value: "/x": must be a relative path',
      );
    }
  });

  it("rejects '..' elements, both fields at once, and checks init containers and templates too", () => {
    const errs = validateObject(
      'pods',
      pod([
        { name: 'data', mountPath: '/a', subPath: 'a/../..' },
        { name: 'data', mountPath: '/b', subPath: 'x', subPathExpr: '/$(A)/..' },
      ]),
    );
    assert.deepEqual(
      errs.map((e) => `${e.field}: ${String(e.value)}: ${e.detail}`),
      [
        "spec.containers[0].volumeMounts.subPath: a/../..: must not contain '..'",
        'spec.containers[0].volumeMounts[1].subPathExpr: /$(A)/..: subPathExpr and subPath are mutually exclusive',
        'spec.containers[0].volumeMounts.subPathExpr: /$(A)/..: must be a relative path',
        "spec.containers[0].volumeMounts.subPathExpr: /$(A)/..: must not contain '..'",
      ],
    );
    const init = applyDefaults('pods', {
      metadata: { name: 'p' },
      spec: {
        volumes: [{ name: 'data', emptyDir: {} }],
        initContainers: [
          { name: 'i', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/a', subPath: '../x' }] },
        ],
        containers: [{ name: 'a', image: 'busybox' }],
      },
    });
    assert.deepEqual(
      validateObject('pods', init).map((e) => e.field),
      ['spec.initContainers[0].volumeMounts.subPath'],
    );
    const deploy = applyDefaults('deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            volumes: [{ name: 'data', emptyDir: {} }],
            containers: [
              { name: 'c', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/a', subPath: '/abs' }] },
            ],
          },
        },
      },
    });
    assert.deepEqual(
      validateObject('deployments', deploy).map((e) => e.field),
      ['spec.template.spec.containers[0].volumeMounts.subPath'],
    );
  });
});
