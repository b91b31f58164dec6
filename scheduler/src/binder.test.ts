import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { ApiError, type BindRequest } from '@kubelab/proto';
import { Binder } from './binder.js';
import type { SchedulerApi } from './api.js';

const noStatus = async <T extends KubeObject>(_resource: string, o: T): Promise<T> => o;

/** An API whose bindMany refuses pods named "refused-*" and records each call's size (a Bind is 0). */
function batchingApi(calls: number[], fail?: ApiError): SchedulerApi {
  return {
    bind: async () => (calls.push(0), {} as KubeObject),
    updateStatus: noStatus,
    bindMany: async (bs: readonly BindRequest[]) => {
      calls.push(bs.length);
      if (fail) throw fail;
      return bs.map((b) =>
        b.name.startsWith('refused') ? new ApiError('Conflict', `pod ${b.name} is already assigned`) : undefined,
      );
    },
  };
}

describe('Binder', () => {
  it('sends the binds of one turn in one call, at most perCall each, and answers each on its own', async () => {
    const calls: number[] = [];
    const b = new Binder(batchingApi(calls), 4);
    const names = ['a', 'b', 'refused-c', 'd', 'e', 'f'];
    const outcomes = await Promise.allSettled(names.map((n) => b.bind('default', n, 'n1', '')));
    assert.deepEqual(calls, [4, 2]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
    const refused = (outcomes[2] as PromiseRejectedResult).reason;
    assert.ok(refused instanceof ApiError && refused.reason === 'Conflict');
    await b.bind('default', 'g', 'n1', '');
    assert.deepEqual(calls, [4, 2, 0], 'a bind alone in a later turn is a Bind');
  });

  it('rejects every bind of a call that failed', async () => {
    const calls: number[] = [];
    const b = new Binder(batchingApi(calls, new ApiError('ServiceUnavailable', 'apiserver away')), 8);
    const outcomes = await Promise.allSettled([b.bind('d', 'a', 'n1', ''), b.bind('d', 'b', 'n1', '')]);
    assert.deepEqual(calls, [2]);
    for (const o of outcomes) assert.equal((o as PromiseRejectedResult).reason.reason, 'ServiceUnavailable');
  });

  it('binds one by one with an API without bindMany, or an apiserver that does not know it', async () => {
    const single: string[] = [];
    const api: SchedulerApi = {
      bind: async (_ns, name) => {
        single.push(name);
        if (name === 'x') throw new ApiError('NotFound', 'pods "x" not found');
        return {} as KubeObject;
      },
      updateStatus: noStatus,
    };
    const plain = new Binder(api);
    await plain.bind('d', 'a', 'n1', '');
    await assert.rejects(
      plain.bind('d', 'x', 'n1', ''),
      (e: unknown) => e instanceof ApiError && e.reason === 'NotFound',
    );
    assert.deepEqual(single, ['a', 'x']);

    single.length = 0;
    let batchCalls = 0;
    const old = new Binder({
      ...api,
      bindMany: async () => {
        batchCalls++;
        throw new ApiError(
          'MethodNotAllowed',
          '12 UNIMPLEMENTED: The server does not implement the method /kubelab.v1.Resources/BindMany',
        );
      },
    });
    await Promise.all([old.bind('d', 'a', 'n1', ''), old.bind('d', 'b', 'n1', '')]);
    await old.bind('d', 'c', 'n1', '');
    assert.equal(batchCalls, 1, 'asked once, then Bind per pod');
    assert.deepEqual(single, ['a', 'b', 'c']);
  });
});
