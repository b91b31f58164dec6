import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject, Service } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { reconcileLoadBalancer, wantedIngress, type StatusWriter } from './lbstatus.js';

const log = pino({ level: 'silent' });

function svc(type: Service['spec']['type'], ingress?: { ip?: string; hostname?: string }[]): Service {
  return {
    metadata: { name: 's', namespace: 'default', resourceVersion: '5' },
    spec: { type, clusterIP: '10.244.128.5', ports: [{ port: 80, nodePort: 30010 }] },
    ...(ingress ? { status: { loadBalancer: { ingress } } } : {}),
  };
}

function writer(fail?: ApiError): StatusWriter & { written: Service[] } {
  const written: Service[] = [];
  return {
    written,
    updateStatus<T extends KubeObject>(_r: string, obj: T): Promise<T> {
      if (fail) return Promise.reject(fail);
      written.push(obj as unknown as Service);
      return Promise.resolve(obj);
    },
  };
}

test('wantedIngress', () => {
  assert.deepEqual(wantedIngress(svc('LoadBalancer'), '127.0.0.1'), [{ ip: '127.0.0.1' }]);
  assert.equal(wantedIngress(svc('LoadBalancer', [{ ip: '127.0.0.1' }]), '127.0.0.1'), undefined);
  assert.deepEqual(wantedIngress(svc('LoadBalancer', [{ ip: '10.0.0.1' }]), '127.0.0.1'), [{ ip: '127.0.0.1' }]);
  assert.deepEqual(wantedIngress(svc('NodePort', [{ ip: '127.0.0.1' }]), '127.0.0.1'), []);
  assert.equal(wantedIngress(svc('NodePort'), '127.0.0.1'), undefined);
  assert.equal(wantedIngress(svc('ClusterIP', [{ hostname: 'elsewhere' }]), '127.0.0.1'), undefined);
});

test('a LoadBalancer service gets its ingress written once', async () => {
  const w = writer();
  assert.equal(await reconcileLoadBalancer(svc('LoadBalancer'), '127.0.0.1', w, log), true);
  assert.deepEqual(w.written[0]!.status, { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } });
  assert.equal(w.written[0]!.metadata.resourceVersion, '5');
  assert.equal(await reconcileLoadBalancer(w.written[0], '127.0.0.1', w, log), false);
  assert.equal(w.written.length, 1);
  assert.equal(await reconcileLoadBalancer(undefined, '127.0.0.1', w, log), false);
});

test('retryable errors are thrown, NotFound and invalid ones are not', async () => {
  await assert.rejects(reconcileLoadBalancer(svc('LoadBalancer'), '127.0.0.1', writer(new ApiError('Conflict', 'modified')), log), /modified/);
  await assert.rejects(reconcileLoadBalancer(svc('LoadBalancer'), '127.0.0.1', writer(new ApiError('ServiceUnavailable', 'down')), log), /down/);
  assert.equal(await reconcileLoadBalancer(svc('LoadBalancer'), '127.0.0.1', writer(new ApiError('NotFound', 'gone')), log), false);
  assert.equal(await reconcileLoadBalancer(svc('LoadBalancer'), '127.0.0.1', writer(new ApiError('Invalid', 'bad')), log), false);
});
