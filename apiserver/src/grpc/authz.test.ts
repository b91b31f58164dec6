import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { ApiError } from '@kubelab/proto';
import { MemoryStore } from '../storage/memory.js';
import { StoreRegistry } from '../registry/registry.js';
import { bootstrap } from '../registry/bootstrap.js';
import { setGrpcUser, GROUPS, type UserInfo } from '../auth/user.js';
import { COMPONENT_USERS } from '../auth/policy.js';
import { resourcesHandlers } from './service.js';

/** Calls one unary handler as `user`; resolves the response or the ApiError it answered. */
function call(
  handlers: grpc.UntypedServiceImplementation,
  method: string,
  user: UserInfo,
  request: unknown,
): Promise<unknown> {
  const c = { request };
  setGrpcUser(c, user);
  return new Promise((resolve) => {
    (handlers[method] as (call: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void)(
      c,
      (err, res) => resolve(err ? ApiError.fromGrpc(err) : res),
    );
  });
}

const target = (resource: string, namespace = '', name = '') => ({ resource, namespace, name });
const obj = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('gRPC calls are authorized per caller', () => {
  const registry = new StoreRegistry(new MemoryStore());
  const h = resourcesHandlers(registry, pino({ level: 'silent' }));
  const scheduler: UserInfo = { name: COMPONENT_USERS.scheduler, groups: [GROUPS.authenticated] };
  const n1: UserInfo = { name: 'system:node:n1', groups: [GROUPS.nodes, GROUPS.authenticated] };
  before(async () => {
    await bootstrap(registry);
    await registry.create('nodes', '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await registry.create('nodes', '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    await registry.create('pods', 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
  });
  after(() => registry.close());

  it('List of secrets by the scheduler: 403 with upstream message', async () => {
    const e = await call(h, 'List', scheduler, { target: target('secrets', 'default') });
    assert.ok(e instanceof ApiError);
    assert.equal(e.reason, 'Forbidden');
    assert.equal(
      e.message,
      'secrets is forbidden: User "system:kube-scheduler" cannot list resource "secrets" in API group "" in the namespace "default"',
    );
  });
  it('a List by metadata.name is authorized as that object', async () => {
    await registry.create('secrets', 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'used' } });
    await registry.create('pods', 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'user' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', envFrom: [{ secretRef: { name: 'used' } }] }] },
    });
    const ok = await call(h, 'List', n1, { target: target('secrets', 'default'), fieldSelector: 'metadata.name=used' });
    assert.ok(!(ok instanceof ApiError), String(ok));
    const all = await call(h, 'List', n1, { target: target('secrets', 'default') });
    assert.ok(all instanceof ApiError && all.reason === 'Forbidden');
  });
  it('Bind is create of pods/binding: the scheduler may, a node may not', async () => {
    const e = await call(h, 'Bind', n1, { namespace: 'default', name: 'p', nodeName: 'n1' });
    assert.ok(e instanceof ApiError);
    assert.equal(
      e.message,
      'pods "p" is forbidden: User "system:node:n1" cannot create resource "pods/binding" in API group "" in the namespace "default"',
    );
    const ok = await call(h, 'Bind', scheduler, { namespace: 'default', name: 'p', nodeName: 'n1' });
    assert.ok(!(ok instanceof ApiError), String(ok));
  });
  it('BindMany authorizes each binding as a Bind: a node is refused each, as alone', async () => {
    await registry.create('pods', 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'q' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    const bindings = [{ namespace: 'default', name: 'q', nodeName: 'n1', podUid: '' }];
    const refused = (await call(h, 'BindMany', n1, { bindings })) as { results: { reason: string; message: string }[] };
    assert.equal(refused.results[0]?.reason, 'Forbidden');
    assert.equal(
      refused.results[0]?.message,
      'pods "q" is forbidden: User "system:node:n1" cannot create resource "pods/binding" in API group "" in the namespace "default"',
    );
    const ok = (await call(h, 'BindMany', scheduler, { bindings })) as { results: { reason: string }[] };
    assert.equal(ok.results[0]?.reason, '');
    assert.equal(((await registry.get('pods', 'default', 'q')) as { spec: { nodeName?: string } }).spec.nodeName, 'n1');
  });
  it('CreateMany authorizes each create as a Create: a node may create Events, not a Secret', async () => {
    const ev = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
      reason: 'Started',
      message: 'Started container c',
      type: 'Normal',
    });
    const creates = [
      { target: target('events', 'default'), object: obj(ev('p.1')) },
      {
        target: target('secrets', 'default'),
        object: obj({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }),
      },
      { target: target('events', 'default'), object: obj(ev('p.1')) },
      { target: target('events', 'default'), object: Buffer.from('{') },
    ];
    const res = (await call(h, 'CreateMany', n1, { creates })) as {
      results: { object: Buffer; reason: string; message: string }[];
    };
    assert.equal(res.results.length, 4);
    assert.equal(res.results[0]?.reason, '');
    assert.equal(JSON.parse(res.results[0]!.object.toString()).metadata.name, 'p.1');
    assert.equal(res.results[1]?.reason, 'Forbidden');
    assert.equal(
      res.results[1]?.message,
      'secrets is forbidden: User "system:node:n1" cannot create resource "secrets" in API group "" in the namespace "default": can only read resources of this type',
    );
    assert.equal(res.results[2]?.reason, 'AlreadyExists', 'each is a create of its own: the second of a name exists');
    assert.equal(res.results[3]?.reason, 'BadRequest');
    assert.equal((await registry.get('events', 'default', 'p.1')).metadata.name, 'p.1');
    const tooMany = await call(h, 'CreateMany', n1, { creates: Array.from({ length: 257 }, () => creates[0]) });
    assert.ok(tooMany instanceof ApiError && tooMany.reason === 'BadRequest', String(tooMany));
  });
  it('UpdateStatus is update of <resource>/status, then NodeRestriction', async () => {
    const n2 = await registry.get('nodes', '', 'n2');
    const e = await call(h, 'UpdateStatus', n1, { target: target('nodes', '', 'n2'), object: obj(n2) });
    assert.ok(e instanceof ApiError);
    assert.equal(e.message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    const mine = await registry.get('nodes', '', 'n1');
    const ok = await call(h, 'UpdateStatus', n1, { target: target('nodes', '', 'n1'), object: obj(mine) });
    assert.ok(!(ok instanceof ApiError), String(ok));
  });
  it('Create of a lease by the scheduler: its leader lease group is coordination.k8s.io', async () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'kube-scheduler', namespace: 'kube-system' },
      spec: {},
    };
    const ok = await call(h, 'Create', scheduler, { target: target('leases', 'kube-system'), object: obj(lease) });
    assert.ok(!(ok instanceof ApiError), String(ok));
    const e = await call(h, 'Delete', scheduler, { target: target('leases', 'kube-system', 'kube-scheduler') });
    assert.ok(e instanceof ApiError);
    assert.equal(
      e.message,
      'leases.coordination.k8s.io "kube-scheduler" is forbidden: User "system:kube-scheduler" cannot delete resource "leases" in API group "coordination.k8s.io" in the namespace "kube-system"',
    );
  });
});
