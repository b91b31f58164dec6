import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type KubeObject, validateCertificateSigningRequest, fieldErrorString } from '@kubelab/api';
import { csrStrategy } from '../registry/strategies/certificates.js';
import { csrCondition } from '../rest/tables/certificates.js';
import { podReferences } from '../auth/pod-refs.js';
import { kubeletClientError } from './recognize.js';
import { makeCsr, parseCsrPem } from './signer.js';

const csr = (status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'c' },
  spec: { request: 'x', signerName: 's/x', usages: ['client auth'] },
  status,
});
const approved = { type: 'Approved', status: 'True', reason: 'R', lastUpdateTime: 't', lastTransitionTime: 't' };

describe('CSR strategy', () => {
  it('a /status write keeps Approved and Denied conditions and the spec; /approval only the conditions', () => {
    const old = csr({ conditions: [approved] });
    const next = {
      ...csr({ conditions: [{ type: 'Failed', status: 'True' }], certificate: 'Y2VydA==' }),
      spec: { request: 'other' },
    };
    csrStrategy.prepareForStatusUpdate!(next, old, 'status');
    assert.deepEqual(
      (next.status as { conditions: { type: string }[] }).conditions.map((c) => c.type),
      ['Approved', 'Failed'],
    );
    assert.equal((next.status as { certificate: string }).certificate, 'Y2VydA==');
    assert.equal((next.spec as { request: string }).request, 'x');
    const signed = csr({ certificate: 'Y2VydA==' });
    const approval = csr({ conditions: [{ type: 'Denied', status: 'True' }], certificate: 'ZXZpbA==' });
    csrStrategy.prepareForStatusUpdate!(approval, signed, 'approval');
    assert.equal((approval.status as { certificate: string }).certificate, 'Y2VydA==');
    assert.equal(
      (approval.status as { conditions: { lastUpdateTime?: string }[] }).conditions[0]!.lastUpdateTime !== undefined,
      true,
    );
    const replace = csr({ certificate: 'ZXZpbA==' });
    assert.throws(
      () => csrStrategy.prepareForStatusUpdate!(replace, signed, 'status'),
      /status.certificate: Forbidden: updates may not modify existing certificate content/,
    );
  });
  it('conditions: Approved and Denied never together; approval conditions only True', () => {
    const errs = validateCertificateSigningRequest({
      ...csr({ conditions: [approved, { type: 'Denied', status: 'False' }] }),
      spec: {
        request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n').toString(
          'base64',
        ),
        signerName: 'example.com/x',
        usages: ['client auth', 'client auth'],
      },
    }).map(fieldErrorString);
    assert.deepEqual(errs, [
      'spec.usages[1]: Duplicate value: "client auth"',
      'status.conditions[1].status: Unsupported value: "False": supported values: "True"',
      'status.conditions: Invalid value: "Approved": Approved and Denied conditions are mutually exclusive',
    ]);
  });
  it('the CONDITION column as upstream', () => {
    assert.equal(csrCondition(csr()), 'Pending');
    assert.equal(csrCondition(csr({ conditions: [approved], certificate: 'x' })), 'Approved,Issued');
    assert.equal(csrCondition(csr({ conditions: [{ type: 'Denied' }, { type: 'Failed' }] })), 'Denied,Failed');
  });
});

describe('what the signer checks', () => {
  it('kubelet client certificates: system:node:<name> in system:nodes, client usages only', async () => {
    const spec = (usages: string[]) =>
      ({ ...csr(), spec: { request: '', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages } }) as never;
    const good = parseCsrPem((await makeCsr({ commonName: 'system:node:n1', organizations: ['system:nodes'] })).csr);
    assert.equal(kubeletClientError(spec(['digital signature', 'client auth']), good), undefined);
    assert.match(kubeletClientError(spec(['client auth', 'server auth']), good) ?? '', /usages did not match/);
    const masters = parseCsrPem(
      (await makeCsr({ commonName: 'system:node:n1', organizations: ['system:masters'] })).csr,
    );
    assert.equal(kubeletClientError(spec(['client auth']), masters), 'subject organization is not system:nodes');
    const jane = parseCsrPem((await makeCsr({ commonName: 'jane', organizations: ['system:nodes'] })).csr);
    assert.equal(
      kubeletClientError(spec(['client auth']), jane),
      'subject common name does not begin with system:node:',
    );
    assert.throws(
      () => parseCsrPem('-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n'),
      /PEM block type must be CERTIFICATE REQUEST/,
    );
  });
});

describe('pod references (the Node authorizer graph)', () => {
  it('volumes, projected sources, env, envFrom, image pull secrets, ephemeral claims', () => {
    const refs = podReferences({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        imagePullSecrets: [{ name: 'pull' }],
        initContainers: [
          { name: 'i', image: 'x', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'k' } } }] },
        ],
        containers: [
          { name: 'c', image: 'x', envFrom: [{ secretRef: { name: 's-env' } }, { configMapRef: { name: 'cm-from' } }] },
        ],
        volumes: [
          { name: 'a', secret: { secretName: 's-vol' } },
          { name: 'b', projected: { sources: [{ configMap: { name: 'cm-proj' } }, { secret: { name: 's-proj' } }] } },
          { name: 'c', persistentVolumeClaim: { claimName: 'data' } },
          { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
        ],
      },
    });
    assert.deepEqual([...refs.secrets].sort(), ['pull', 's-env', 's-proj', 's-vol']);
    assert.deepEqual([...refs.configmaps].sort(), ['cm-env', 'cm-from', 'cm-proj']);
    assert.deepEqual([...refs.persistentvolumeclaims].sort(), ['data', 'p-scratch']);
  });
});
