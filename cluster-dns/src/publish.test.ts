import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { InProcessApi } from '@kubelab/apiserver/testing';
import type { KubeObject } from '@kubelab/api';
import { publishEndpoints } from './publish.js';
import { service } from './testing.js';

/** The writes publishEndpoints sent to the apiserver, in order ("create endpoints"). */
const writes = (api: InProcessApi): string[] =>
  api.calls.filter((c) => c.verb === 'create' || c.verb === 'update').map((c) => `${c.verb} ${c.resource}`);

describe('publishEndpoints', () => {
  const svc = service('kube-system', 'kube-dns', {
    clusterIP: '10.244.128.10',
    ports: [
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
      { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
    ],
  });
  svc.metadata.uid = 'u1';
  const log = pino({ level: 'silent' });

  it('creates the Endpoints and the EndpointSlice naming this container, then writes nothing while they hold', async () => {
    const api = new InProcessApi();
    assert.equal(await publishEndpoints(api, svc, '10.244.0.9', log), true);
    assert.deepEqual(writes(api), ['create endpoints', 'create endpointslices']);
    const ep = api.peek<KubeObject & { subsets: unknown }>('endpoints', 'kube-system', 'kube-dns')!;
    assert.deepEqual(ep.subsets, [
      {
        addresses: [{ ip: '10.244.0.9' }],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        ],
      },
    ]);
    const slice = api.peek('endpointslices', 'kube-system', 'kube-dns-cluster-dns')!;
    assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'kube-dns');
    assert.equal(slice.metadata.ownerReferences?.[0]?.uid, 'u1');
    assert.equal(await publishEndpoints(api, svc, '10.244.0.9', log), false);
    assert.equal(writes(api).length, 2);
  });

  it('updates both when the container’s address changed', async () => {
    const api = new InProcessApi();
    await publishEndpoints(api, svc, '10.244.0.9', log);
    await publishEndpoints(api, svc, '10.244.0.12', log);
    assert.deepEqual(writes(api).slice(2), ['update endpoints', 'update endpointslices']);
    assert.deepEqual(
      api.peek<KubeObject & { endpoints: { addresses: string[] }[] }>(
        'endpointslices',
        'kube-system',
        'kube-dns-cluster-dns',
      )!.endpoints[0]!.addresses,
      ['10.244.0.12'],
    );
  });
});
