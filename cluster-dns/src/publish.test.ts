import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '@kubelab/api';
import { publishEndpoints } from './publish.js';
import { service } from './testing.js';

/** The three calls publishEndpoints makes, on a map. */
function fakeApi() {
  const objects = new Map<string, KubeObject>();
  const writes: string[] = [];
  const key = (r: string, ns: string, n: string) => `${r}/${ns}/${n}`;
  return {
    objects,
    writes,
    get: async <T extends KubeObject>(r: string, ns: string, n: string): Promise<T> => {
      const o = objects.get(key(r, ns, n));
      if (!o) throw new ApiError('NotFound', `${r} "${n}" not found`);
      return structuredClone(o) as T;
    },
    create: async <T extends KubeObject>(r: string, o: T, ns = ''): Promise<T> => {
      writes.push(`create ${r}`);
      objects.set(key(r, ns, o.metadata.name ?? ''), structuredClone(o));
      return o;
    },
    update: async <T extends KubeObject>(r: string, o: T): Promise<T> => {
      writes.push(`update ${r}`);
      objects.set(key(r, o.metadata.namespace ?? '', o.metadata.name ?? ''), structuredClone(o));
      return o;
    },
  };
}

describe('publishEndpoints', () => {
  const svc = service('kube-system', 'kube-dns', { clusterIP: '10.244.128.10', ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 }] });
  svc.metadata.uid = 'u1';
  const log = pino({ level: 'silent' });

  it('creates the Endpoints and the EndpointSlice naming this container, then writes nothing while they hold', async () => {
    const api = fakeApi();
    assert.equal(await publishEndpoints(api, svc, '10.244.0.9', log), true);
    assert.deepEqual(api.writes, ['create endpoints', 'create endpointslices']);
    const ep = api.objects.get('endpoints/kube-system/kube-dns') as KubeObject & { subsets: unknown };
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '10.244.0.9' }], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }]);
    const slice = api.objects.get('endpointslices/kube-system/kube-dns-cluster-dns')!;
    assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'kube-dns');
    assert.equal(slice.metadata.ownerReferences?.[0]?.uid, 'u1');
    assert.equal(await publishEndpoints(api, svc, '10.244.0.9', log), false);
    assert.equal(api.writes.length, 2);
  });

  it('updates both when the container’s address changed', async () => {
    const api = fakeApi();
    await publishEndpoints(api, svc, '10.244.0.9', log);
    await publishEndpoints(api, svc, '10.244.0.12', log);
    assert.deepEqual(api.writes.slice(2), ['update endpoints', 'update endpointslices']);
    assert.deepEqual((api.objects.get('endpointslices/kube-system/kube-dns-cluster-dns') as KubeObject & { endpoints: { addresses: string[] }[] }).endpoints[0]!.addresses, ['10.244.0.12']);
  });
});
