import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { newRegistry } from './testing.js';

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

it('a namespace deleted and made again takes creates again (the terminating one it replaced is not remembered)', async () => {
  const { registry } = await newRegistry();
  await registry.create('namespaces', '', { metadata: { name: 'again' } });
  await registry.create('configmaps', 'again', cm('a'));
  await registry.delete('namespaces', '', 'again');
  await assert.rejects(
    registry.create('configmaps', 'again', cm('b')),
    (e) => e instanceof ApiError && e.reason === 'Forbidden' && /being terminated/.test(e.message),
  );
  for (let i = 0; ; i++) {
    const gone = await registry.get('namespaces', '', 'again').then(
      () => false,
      () => true,
    );
    if (gone) break;
    assert.ok(i < 400, 'the namespace is deleted');
    await new Promise((r) => setTimeout(r, 5));
  }
  await registry.create('namespaces', '', { metadata: { name: 'again' } });
  assert.equal((await registry.create('configmaps', 'again', cm('c'))).metadata.name, 'c');
  await registry.close();
});
