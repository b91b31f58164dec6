import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { CreateBatcher, type CreateSink } from './create-batch.js';

const ev = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'default' },
});

/** Records each call; createMany refuses names starting with "taken". */
class Sink implements CreateSink {
  readonly calls: string[] = [];
  unimplemented = false;
  async create<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    this.calls.push(`create ${resource} ${obj.metadata.name}`);
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: '1' } };
  }
  async createMany(resource: string, objs: readonly KubeObject[]): Promise<(KubeObject | ApiError)[]> {
    if (this.unimplemented)
      throw new ApiError(
        'MethodNotAllowed',
        '12 UNIMPLEMENTED: The server does not implement the method /kubelab.v1.Resources/CreateMany',
      );
    this.calls.push(`createMany ${resource} ${objs.map((o) => o.metadata.name).join(',')}`);
    return objs.map((o) =>
      o.metadata.name?.startsWith('taken')
        ? new ApiError('AlreadyExists', `events "${o.metadata.name}" already exists`)
        : { ...o, metadata: { ...o.metadata, resourceVersion: '2' } },
    );
  }
}

test('creates of one turn go in one CreateMany call, each answered on its own', async () => {
  const sink = new Sink();
  const b = new CreateBatcher(sink, 'events');
  const results = await Promise.allSettled([b.create(ev('a')), b.create(ev('taken-b')), b.create(ev('c'))]);
  assert.deepEqual(sink.calls, ['createMany events a,taken-b,c']);
  assert.equal(results[0].status === 'fulfilled' && results[0].value.metadata.resourceVersion, '2');
  assert.ok(results[1].status === 'rejected' && (results[1].reason as ApiError).reason === 'AlreadyExists');
  assert.equal(results[2].status === 'fulfilled' && results[2].value.metadata.name, 'c');
  await b.create(ev('alone'));
  assert.equal(sink.calls.at(-1), 'createMany events alone', 'one of a later turn is a call of its own');
});

test('at most perCall creates a call', async () => {
  const sink = new Sink();
  const b = new CreateBatcher(sink, 'events', 2);
  await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => b.create(ev(n))));
  assert.deepEqual(sink.calls, ['createMany events a,b', 'createMany events c,d', 'createMany events e']);
});

test('an apiserver without CreateMany: one Create each, from then on', async () => {
  const sink = new Sink();
  sink.unimplemented = true;
  const b = new CreateBatcher(sink, 'events');
  await Promise.all([b.create(ev('a')), b.create(ev('b'))]);
  await Promise.all([b.create(ev('c')), b.create(ev('d'))]);
  assert.deepEqual(sink.calls, ['create events a', 'create events b', 'create events c', 'create events d']);
});

test('a failed call fails each of its creates with its error; a sink without createMany creates one by one', async () => {
  const sink = new Sink();
  sink.createMany = async () => {
    throw new ApiError('ServiceUnavailable', 'etcd is unavailable');
  };
  const b = new CreateBatcher(sink, 'events');
  const r = await Promise.allSettled([b.create(ev('a')), b.create(ev('b'))]);
  assert.deepEqual(
    r.map((x) => x.status === 'rejected' && (x.reason as ApiError).reason),
    ['ServiceUnavailable', 'ServiceUnavailable'],
  );
  const plain = { create: Sink.prototype.create, calls: [] as string[] };
  const p = new CreateBatcher(plain, 'events');
  await Promise.all([p.create(ev('x')), p.create(ev('y'))]);
  assert.deepEqual(plain.calls, ['create events x', 'create events y']);
});
