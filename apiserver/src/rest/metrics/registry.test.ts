import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import type { StatsResponse } from '@kubelab/proto';
import { MemoryRegistry } from '../testing/memory-registry.js';
import { POD_METRICS, withMetrics } from './registry.js';

test('controllers read PodMetrics through the registry, selected by label; other resources pass through', async () => {
  const inner = new MemoryRegistry();
  await inner.create('namespaces', '', { metadata: { name: 'default' } });
  await inner.create('nodes', '', {
    metadata: { name: 'n1' },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  } as KubeObject);
  for (const [name, app] of [
    ['a', 'web'],
    ['b', 'db'],
  ] as const)
    await inner.create('pods', 'default', {
      metadata: { name, labels: { app } },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
    } as KubeObject);
  const pods = (await inner.list('pods', { namespace: 'default' })).items;
  const stats: StatsResponse = {
    nodeName: 'n1',
    timestamp: new Date().toISOString(),
    pods: pods.map((p) => ({
      pod: { namespace: 'default', name: p.metadata.name!, uid: p.metadata.uid! },
      containers: [
        {
          name: 'c',
          startTime: '',
          cpu: { usageNanoCores: 50_000_000, usageCoreNanoSeconds: 1 },
          memory: { usageBytes: 2048, workingSetBytes: 2048 },
        },
      ],
    })),
  } as StatsResponse;
  const reg = withMetrics(inner, { stats: async () => stats });
  const list = await reg.list(POD_METRICS, { namespace: 'default', labelSelector: 'app=web' });
  assert.deepEqual(
    list.items.map((m) => [
      m.metadata.name,
      (m as unknown as { containers: { usage: { cpu: string } }[] }).containers[0]!.usage.cpu,
    ]),
    [['a', '50000000n']],
  );
  assert.equal((await reg.list('pods', { namespace: 'default' })).items.length, 2);
  await assert.rejects(reg.create(POD_METRICS, 'default', { metadata: { name: 'x' } }), /does not allow this method/);
});
