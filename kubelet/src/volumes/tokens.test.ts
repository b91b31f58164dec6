import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Pod } from '@kubelab/api';
import { TokenManager } from './tokens.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
  spec: { serviceAccountName: 'app', containers: [] },
} as unknown as Pod;

test('tokens are bound to the pod, reused until 80 % of their lifetime, then asked anew; an unexpired one outlives an outage', async () => {
  let now = 1_000_000;
  const asked: KubeObject[] = [];
  let down = false;
  const api = {
    async create<T extends KubeObject>(resource: string, obj: T, namespace?: string): Promise<T> {
      assert.equal(resource, 'serviceaccounts/token');
      assert.equal(namespace, 'ns');
      if (down) throw new Error('apiserver unreachable');
      asked.push(obj);
      const spec = obj.spec as { expirationSeconds: number };
      return {
        ...obj,
        status: {
          token: `t${asked.length}`,
          expirationTimestamp: new Date(now + spec.expirationSeconds * 1000).toISOString(),
        },
      } as T;
    },
  };
  const m = new TokenManager(api, { now: () => now });
  assert.equal(await m.token(pod, undefined, 3607), 't1');
  assert.deepEqual(asked[0]?.spec, {
    expirationSeconds: 3607,
    boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'u1' },
  });
  assert.equal(asked[0]?.metadata.name, 'app');
  now += 3607_000 * 0.79;
  assert.equal(await m.token(pod, undefined, 3607), 't1');
  now += 3607_000 * 0.02;
  assert.equal(await m.token(pod, undefined, 3607), 't2');
  assert.equal(await m.token(pod, 'vault', 3607), 't3', 'one token per audience');
  now += 3607_000 * 0.85;
  down = true;
  assert.equal(await m.token(pod, undefined, 3607), 't2', 'still valid: kept while the apiserver is away');
  now += 3607_000 * 0.2;
  await assert.rejects(m.token(pod, undefined, 3607), /unreachable/);
  down = false;
  m.forget('u1');
  assert.equal(await m.token(pod, undefined, 3607), 't4');
});

test('a prefetch and the volume set-up share one TokenRequest', async () => {
  let calls = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const api = {
    async create<T extends KubeObject>(_r: string, obj: T): Promise<T> {
      calls++;
      await gate;
      return {
        ...obj,
        status: { token: 'shared', expirationTimestamp: new Date(Date.now() + 3600_000).toISOString() },
      } as T;
    },
  };
  const m = new TokenManager(api, { now: () => Date.now() });
  const a = m.token(pod, undefined, 3607);
  const b = m.token(pod, undefined, 3607);
  release();
  assert.deepEqual(await Promise.all([a, b]), ['shared', 'shared']);
  assert.equal(calls, 1);
});
