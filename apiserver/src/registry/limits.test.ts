import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { newRegistry } from './testing.js';
import { MAX_ETCD_REQUEST_BYTES } from './limits.js';

// ConfigMaps stop at 1 MiB by validation; a pod's arguments have no limit of their own.
const bigPod = (name: string, bytes: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', args: ['x'.repeat(bytes)] }] },
});
const bigDeployment = (name: string, bytes: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: bigPod(name, bytes).spec },
  },
});
const argOf = (d: KubeObject): string | undefined =>
  (d.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0]?.args[0];

const tooLarge = (e: unknown): boolean => {
  assert.ok(e instanceof ApiError, String(e));
  assert.equal(e.reason, 'RequestEntityTooLarge');
  assert.equal(e.httpCode, 413);
  assert.match(
    e.message,
    /^Request entity too large: pods "big" would be \d+ bytes in storage, over etcd's limit of 1572864 bytes/,
  );
  return true;
};

describe('registry: the etcd request size limit', () => {
  it('refuses a create over 1.5 MiB with 413 before the store is written', async () => {
    const { registry, store } = await newRegistry();
    const before = await store.currentRevision();
    await assert.rejects(registry.create('pods', 'default', bigPod('big', MAX_ETCD_REQUEST_BYTES)), tooLarge);
    await assert.rejects(
      registry.create('pods', 'default', bigPod('big', MAX_ETCD_REQUEST_BYTES), { dryRun: true }),
      tooLarge,
    );
    assert.equal(await store.currentRevision(), before);
    const ok = await registry.create('pods', 'default', bigPod('fits', MAX_ETCD_REQUEST_BYTES - 4096));
    assert.ok(ok.metadata.resourceVersion);
  });

  it('refuses an update or a status update that grows an object over the limit, and keeps the stored one', async () => {
    const { registry } = await newRegistry();
    const small = await registry.create('deployments', 'default', bigDeployment('big', 10));
    const grown = bigDeployment('big', 2 * 1024 * 1024);
    await assert.rejects(
      registry.update('deployments', 'default', 'big', { ...grown, metadata: small.metadata }),
      (e: unknown) => {
        assert.ok(e instanceof ApiError && e.reason === 'RequestEntityTooLarge', String(e));
        assert.match(e.message, /deployments\.apps "big" would be/);
        return true;
      },
    );
    assert.equal(argOf(await registry.get('deployments', 'default', 'big')), 'x'.repeat(10));
    const ns = await registry.get('namespaces', '', 'default');
    await assert.rejects(
      registry.updateStatus('namespaces', '', 'default', {
        ...ns,
        status: { phase: 'Active', junk: 'z'.repeat(MAX_ETCD_REQUEST_BYTES) },
      }),
      (e: unknown) => {
        assert.ok(e instanceof ApiError && e.reason === 'RequestEntityTooLarge', String(e));
        return true;
      },
    );
  });
});

describe('registry: the nesting limit', () => {
  it('refuses an object nested deeper than 500 levels with a 400, whoever sends it (gRPC included)', async () => {
    const { registry } = await newRegistry();
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'deep', annotations: {} },
      data: {},
      extra: deep,
    } as KubeObject;
    await assert.rejects(registry.create('configmaps', 'default', cm), (e: unknown) => {
      assert.ok(e instanceof ApiError && e.reason === 'BadRequest', String(e));
      assert.match(e.message, /exceeded max depth of 500 \(under "extra\[0\]\[0\]\[0\]\.\.\."\)/);
      return true;
    });
  });
});
