import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { applyDefaults } from '../defaults/index.js';
import type { KubeObject } from '../types.js';
import { assertValid, fieldErrorString, validateObject } from './index.js';

const errors = (resource: string, o: KubeObject, old?: KubeObject): string[] =>
  validateObject(resource, applyDefaults(resource, structuredClone(o)), old).map(fieldErrorString);

const pv = (spec: Record<string, unknown>): KubeObject => ({
  metadata: { name: 'v' },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' }, ...spec },
});
const pvc = (spec: Record<string, unknown>): KubeObject => ({
  metadata: { name: 'c', namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});

describe('validation: PersistentVolume, PersistentVolumeClaim, StorageClass', () => {
  it('defaults as upstream: Retain, Filesystem, Pending', () => {
    const v = applyDefaults('persistentvolumes', pv({}));
    assert.deepEqual(
      [
        (v.spec as Record<string, unknown>)['persistentVolumeReclaimPolicy'],
        (v.spec as Record<string, unknown>)['volumeMode'],
        (v.status as Record<string, unknown>)['phase'],
      ],
      ['Retain', 'Filesystem', 'Pending'],
    );
    const sc: KubeObject = applyDefaults('storageclasses', {
      metadata: { name: 's' },
      provisioner: 'x.io/p',
    } as KubeObject);
    assert.deepEqual([sc['reclaimPolicy'], sc['volumeBindingMode']], ['Delete', 'Immediate']);
    assert.deepEqual(errors('persistentvolumes', pv({})), []);
    assert.deepEqual(errors('persistentvolumeclaims', pvc({})), []);
  });

  it("rejects what upstream rejects, with upstream's field paths", () => {
    assert.deepEqual(errors('persistentvolumes', pv({ accessModes: [], hostPath: undefined })), [
      'spec.accessModes: Required value',
      'spec: Required value: must specify a volume type',
    ]);
    assert.deepEqual(errors('persistentvolumes', pv({ accessModes: ['ReadWriteSome'] })), [
      'spec.accessModes: Unsupported value: "ReadWriteSome": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ]);
    assert.deepEqual(errors('persistentvolumes', pv({ csi: { driver: 'd', volumeHandle: 'h' } })), [
      'spec.csi: Forbidden: may not specify more than 1 volume type',
    ]);
    assert.deepEqual(errors('persistentvolumeclaims', pvc({ accessModes: [], resources: {} })), [
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
    assert.deepEqual(errors('persistentvolumeclaims', pvc({ resources: { requests: { storage: '0' } } })), [
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]);
    assert.deepEqual(errors('storageclasses', { metadata: { name: 's' }, provisioner: '', reclaimPolicy: 'Recycle' }), [
      'provisioner: Required value',
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
    ]);
  });

  it('a claim spec is immutable except for binding, a retroactive class and growth of a bound claim', () => {
    const old = applyDefaults('persistentvolumeclaims', pvc({}));
    const bind = structuredClone(old);
    (bind.spec as Record<string, unknown>)['volumeName'] = 'pv-1';
    (bind.spec as Record<string, unknown>)['storageClassName'] = 'standard';
    assert.deepEqual(validateObject('persistentvolumeclaims', bind, old), []);
    const grow = structuredClone(bind);
    (grow.spec as { resources: { requests: Record<string, string> } }).resources.requests['storage'] = '2Gi';
    assert.deepEqual(validateObject('persistentvolumeclaims', grow, bind).map(fieldErrorString), [
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
    const bound = { ...bind, status: { phase: 'Bound' } };
    assert.deepEqual(validateObject('persistentvolumeclaims', { ...grow, status: bound.status }, bound), []);
    const modes = structuredClone(bound);
    (modes.spec as Record<string, unknown>)['accessModes'] = ['ReadWriteMany'];
    assert.equal(validateObject('persistentvolumeclaims', modes, bound).length, 1);
  });

  it('StorageClass parameters, provisioner, reclaimPolicy and binding mode cannot change', () => {
    const old: KubeObject = applyDefaults('storageclasses', {
      metadata: { name: 's' },
      provisioner: 'a.io/x',
      parameters: { k: 'v' },
    } as KubeObject);
    const next = { ...old, provisioner: 'b.io/y', parameters: {}, volumeBindingMode: 'WaitForFirstConsumer' };
    assert.deepEqual(validateObject('storageclasses', next, old).map(fieldErrorString), [
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
  });

  it('a StatefulSet may mount its claim templates; the tutorial manifest validates', () => {
    const sts: KubeObject = {
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        serviceName: 'nginx',
        replicas: 2,
        selector: { matchLabels: { app: 'nginx' } },
        template: {
          metadata: { labels: { app: 'nginx' } },
          spec: {
            containers: [
              {
                name: 'nginx',
                image: 'registry.k8s.io/nginx-slim:0.24',
                ports: [{ containerPort: 80, name: 'web' }],
                volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'www' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    };
    assert.deepEqual(errors('statefulsets', sts), []);
    const bad = structuredClone(sts);
    (bad.spec as { volumeClaimTemplates: { spec: Record<string, unknown> }[] }).volumeClaimTemplates[0]!.spec[
      'accessModes'
    ] = [];
    assert.deepEqual(errors('statefulsets', bad), [
      'spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required',
    ]);
    const wrong = structuredClone(sts);
    (wrong.spec as { template: { spec: { containers: { volumeMounts: { name: string }[] }[] } } }).template.spec
      .containers[0]!.volumeMounts[0]!.name = 'data';
    assert.deepEqual(errors('statefulsets', wrong), [
      'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"',
    ]);
  });

  it('a pod volume of a claim needs a claim name', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'default' },
      spec: { volumes: [{ name: 'd', persistentVolumeClaim: {} }], containers: [{ name: 'a', image: 'busybox' }] },
    };
    assert.throws(
      () => assertValid('pods', applyDefaults('pods', pod)),
      (e: unknown) =>
        e instanceof ApiError && /spec\.volumes\[0\]\.persistentVolumeClaim\.claimName: Required value/.test(e.message),
    );
  });
});
