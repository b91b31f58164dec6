import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { CallBatcher, type BatchedCalls } from './call-batch.js';

/** Records each call; the many call refuses names starting with "taken". */
class Calls implements BatchedCalls<string, string> {
  readonly method = 'CreateMany';
  readonly log: string[] = [];
  unimplemented = false;
  failWith: ApiError | undefined;

  async one(name: string): Promise<string> {
    this.log.push(`one ${name}`);
    return `${name}@1`;
  }

  many = async (names: string[]): Promise<(string | ApiError)[]> => {
    if (this.unimplemented)
      throw new ApiError(
        'MethodNotAllowed',
        '12 UNIMPLEMENTED: The server does not implement the method /kubelab.v1.Resources/CreateMany',
      );
    if (this.failWith) throw this.failWith;
    this.log.push(`many ${names.join(',')}`);
    return names.map((n) =>
      n.startsWith('taken') ? new ApiError('AlreadyExists', `events "${n}" already exists`) : `${n}@2`,
    );
  };
}

test('calls of one turn go in one many call, each answered on its own; a call alone is a call of its own', async () => {
  const calls = new Calls();
  const b = new CallBatcher(calls, 64);
  const results = await Promise.allSettled([b.call('a'), b.call('taken-b'), b.call('c')]);
  assert.deepEqual(calls.log, ['many a,taken-b,c']);
  assert.equal(results[0].status === 'fulfilled' && results[0].value, 'a@2');
  assert.ok(results[1].status === 'rejected' && (results[1].reason as ApiError).reason === 'AlreadyExists');
  assert.equal(results[2].status === 'fulfilled' && results[2].value, 'c@2');
  assert.equal(await b.call('alone'), 'alone@1');
  assert.equal(calls.log.at(-1), 'one alone', 'one of a later turn');
});

test('at most perCall requests a call', async () => {
  const calls = new Calls();
  const b = new CallBatcher(calls, 2);
  await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => b.call(n)));
  assert.deepEqual(calls.log, ['many a,b', 'many c,d', 'one e']);
});

test('an apiserver without the many call: one call each, from then on', async () => {
  const calls = new Calls();
  calls.unimplemented = true;
  const b = new CallBatcher(calls, 64);
  await Promise.all([b.call('a'), b.call('b')]);
  await Promise.all([b.call('c'), b.call('d')]);
  assert.deepEqual(calls.log, ['one a', 'one b', 'one c', 'one d']);
});

test('a failed many call fails each of its requests with its error; without a many call, one by one', async () => {
  const calls = new Calls();
  calls.failWith = new ApiError('ServiceUnavailable', 'etcd is unavailable');
  const b = new CallBatcher(calls, 64);
  const r = await Promise.allSettled([b.call('a'), b.call('b')]);
  assert.deepEqual(
    r.map((x) => x.status === 'rejected' && (x.reason as ApiError).reason),
    ['ServiceUnavailable', 'ServiceUnavailable'],
  );
  const plain = new Calls();
  const p = new CallBatcher({ method: 'CreateMany', one: (n: string) => plain.one(n) }, 64);
  await Promise.all([p.call('x'), p.call('y')]);
  assert.deepEqual(plain.log, ['one x', 'one y']);
});

test('requests of different groups never share a call', async () => {
  const calls = new Calls();
  const grouped = Object.assign(calls, { group: (n: string) => n.slice(0, 1) });
  const b = new CallBatcher(grouped, 2);
  await Promise.all(['a1', 'b1', 'a2', 'a3', 'b2', 'c1'].map((n) => b.call(n)));
  assert.deepEqual(calls.log, ['many a1,a2', 'one a3', 'many b1,b2', 'one c1']);
});
