import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { KubeObject, ServiceSpec } from '@kubelab/api';
import { StoreRegistry } from './registry.js';
import { IP_KEY_PREFIX, PORT_KEY_PREFIX, parseCIDR, pickFree } from './allocator.js';
import { newRegistry } from './testing.js';

const svc = (name: string, spec: Partial<ServiceSpec> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});
const specOf = (o: KubeObject): ServiceSpec => o.spec as ServiceSpec;
const invalid =
  (msg: string) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.message, msg);
    return true;
  };

describe('allocator', () => {
  it('parses CIDRs and picks free values from a random start', () => {
    assert.deepEqual(parseCIDR('10.244.128.0/17'), {
      cidr: '10.244.128.0/17',
      first: parseCIDR('10.244.128.0/17').first,
      last: parseCIDR('10.244.128.0/17').last,
    });
    const r = parseCIDR('10.0.0.0/30');
    assert.equal(r.last - r.first, 1);
    assert.equal(
      pickFree(
        1,
        3,
        (n) => n !== 2,
        () => 0,
      ),
      2,
    );
    assert.equal(
      pickFree(1, 3, () => true),
      undefined,
    );
  });
});

describe('registry: services', () => {
  it('allocates a cluster IP (never .1) and node ports, and releases them on delete', async () => {
    const { registry, store } = await newRegistry();
    const a = await registry.create(
      'services',
      'default',
      svc('a', {
        type: 'NodePort',
        ports: [
          { port: 80, name: 'http' },
          { port: 443, name: 'https' },
        ],
      }),
    );
    const spec = specOf(a);
    assert.match(spec.clusterIP ?? '', /^10\.244\.(1[2-9][0-9]|2[0-5][0-9])\.\d+$/);
    assert.notEqual(spec.clusterIP, '10.244.128.1');
    assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
    const ports = spec.ports!.map((p) => p.nodePort!);
    assert.ok(ports.every((p) => p >= 30000 && p <= 30099));
    assert.notEqual(ports[0], ports[1]);
    assert.ok(await store.get(IP_KEY_PREFIX + spec.clusterIP));
    await registry.delete('services', 'default', 'a');
    assert.equal(await store.get(IP_KEY_PREFIX + spec.clusterIP), undefined);
    assert.equal(await store.get(PORT_KEY_PREFIX + ports[0]), undefined);
  });

  it('an update with a port that is not an object is invalid (422), not a crash', async () => {
    const { registry } = await newRegistry();
    await registry.create('services', 'default', svc('a', { type: 'NodePort' }));
    const bad = svc('a', { type: 'NodePort', ports: [null as never, { port: 81 }] });
    await assert.rejects(registry.update('services', 'default', 'a', bad), (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.reason, 'Invalid', e.message);
      return true;
    });
  });

  it('honours requested values and refuses taken or out-of-range ones', async () => {
    const { registry } = await newRegistry();
    const a = await registry.create(
      'services',
      'default',
      svc('a', { type: 'NodePort', clusterIP: '10.244.200.7', ports: [{ port: 80, nodePort: 30080 }] }),
    );
    assert.equal(specOf(a).clusterIP, '10.244.200.7');
    assert.equal(specOf(a).ports?.[0]?.nodePort, 30080);
    await assert.rejects(
      registry.create('services', 'default', svc('b', { clusterIP: '10.244.200.7' })),
      invalid(
        'Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.244.200.7"}: failed to allocate IP 10.244.200.7: provided IP is already allocated',
      ),
    );
    await assert.rejects(
      registry.create('services', 'default', svc('c', { clusterIP: '10.96.0.10' })),
      invalid(
        'Service "c" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP (10.96.0.10) is not in the valid range. The range of valid IPs is 10.244.128.0/17',
      ),
    );
    await assert.rejects(
      registry.create('services', 'default', svc('d', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })),
      invalid(
        'Service "d" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
      ),
    );
    await assert.rejects(
      registry.create('services', 'default', svc('e', { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] })),
      invalid(
        'Service "e" is invalid: spec.ports[0].nodePort: Invalid value: 31000: provided port is not in the valid range. The range of valid ports is 30000-30099',
      ),
    );
    await assert.rejects(
      registry.get('services', 'default', 'd'),
      (e: unknown) => e instanceof ApiError && e.reason === 'NotFound',
    );
  });

  it('keeps allocations on update, fills omitted ones from the stored object, releases on type change', async () => {
    const { registry, store } = await newRegistry();
    const a = await registry.create('services', 'default', svc('a', { type: 'NodePort' }));
    const ip = specOf(a).clusterIP!;
    const np = specOf(a).ports![0]!.nodePort!;
    const replaced = await registry.update('services', 'default', 'a', svc('a', { type: 'NodePort' }));
    assert.equal(specOf(replaced).clusterIP, ip);
    assert.equal(specOf(replaced).ports?.[0]?.nodePort, np);
    const clusterIP = await registry.update('services', 'default', 'a', svc('a', { type: 'ClusterIP' }));
    assert.equal(specOf(clusterIP).ports?.[0]?.nodePort, undefined);
    assert.equal(await store.get(PORT_KEY_PREFIX + np), undefined);
    await assert.rejects(
      registry.update('services', 'default', 'a', svc('a', { clusterIP: '10.244.200.9' })),
      (e: unknown) =>
        e instanceof ApiError &&
        e.reason === 'Invalid' &&
        /spec\.clusterIPs\[0\]: Invalid value: "10\.244\.200\.9": may not change once set/.test(e.message),
    );
    const ext = await registry.update(
      'services',
      'default',
      'a',
      svc('a', { type: 'ExternalName', externalName: 'example.com', ports: [] }),
    );
    assert.equal(specOf(ext).clusterIP, undefined);
    assert.equal(await store.get(IP_KEY_PREFIX + ip), undefined);
  });

  it('drops the fields a LoadBalancer needed when it becomes a ClusterIP service unchanged otherwise', async () => {
    const { registry } = await newRegistry();
    const lb = await registry.create('services', 'default', svc('lb', { type: 'LoadBalancer' }));
    assert.equal(specOf(lb).externalTrafficPolicy, 'Cluster');
    const c = await registry.update('services', 'default', 'lb', { ...lb, spec: { ...specOf(lb), type: 'ClusterIP' } });
    assert.equal(specOf(c).externalTrafficPolicy, undefined);
    assert.equal(specOf(c).allocateLoadBalancerNodePorts, undefined);
    assert.equal(specOf(c).ports?.[0]?.nodePort, undefined);
    await assert.rejects(
      registry.update('services', 'default', 'lb', { ...c, spec: { ...specOf(c), externalTrafficPolicy: 'Local' } }),
      invalid(
        'Service "lb" is invalid: spec.externalTrafficPolicy: Invalid value: "Local": may only be set when `type` is \'NodePort\' or \'LoadBalancer\'',
      ),
    );
  });

  it('allocates distinct values under concurrency and across a restart', async () => {
    const { registry, store } = await newRegistry({ nodePortRange: '30000-30019', random: () => 0 });
    const created = await Promise.all(
      Array.from({ length: 15 }, (_, i) => registry.create('services', 'default', svc(`s${i}`, { type: 'NodePort' }))),
    );
    const ips = new Set(created.map((s) => specOf(s).clusterIP));
    const ports = new Set(created.map((s) => specOf(s).ports![0]!.nodePort));
    assert.equal(ips.size, 15);
    assert.equal(ports.size, 15);
    const restarted = new StoreRegistry(store, { nodePortRange: '30000-30019', random: () => 0 });
    const more = await Promise.all(
      Array.from({ length: 5 }, (_, i) => restarted.create('services', 'default', svc(`t${i}`, { type: 'NodePort' }))),
    );
    for (const s of more) {
      assert.ok(!ports.has(specOf(s).ports![0]!.nodePort));
      ports.add(specOf(s).ports![0]!.nodePort);
    }
    await assert.rejects(
      restarted.create('services', 'default', svc('full', { type: 'NodePort' })),
      (e: unknown) => e instanceof ApiError && e.reason === 'InternalError' && /range is full/.test(e.message),
    );
  });

  it('leaves headless and ExternalName services without a cluster IP', async () => {
    const { registry } = await newRegistry();
    const h = await registry.create('services', 'default', svc('h', { clusterIP: 'None', ports: [] }));
    assert.equal(specOf(h).clusterIP, 'None');
    assert.deepEqual(specOf(h).clusterIPs, ['None']);
    const e = await registry.create(
      'services',
      'default',
      svc('e', { type: 'ExternalName', externalName: 'db.example.com', ports: [] }),
    );
    assert.equal(specOf(e).clusterIP, undefined);
  });
});
