/** resourceVersion / resourceVersionMatch / continue semantics of the registry's LIST (and GET), on the MemoryStore. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { decodeContinue, encodeContinue } from './continue.js';
import { planList, ContinueExpiredError } from './readplan.js';
import { newRegistry, pod } from './testing.js';

const names = (page: { items: { metadata: { name?: string } }[] }): string[] =>
  page.items.map((p) => p.metadata.name ?? '');
const P = '/registry/pods/default/';

function isTooLarge(requested: number, retryAfterSeconds: number | undefined) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.reason, 'Timeout');
    assert.equal(e.httpCode, 504);
    assert.match(e.message, new RegExp(`^Timeout: Too large resource version: ${requested}, current: \\d+$`));
    assert.deepEqual(e.details, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    });
    return true;
  };
}

describe('list read plan (upstream semantics table)', () => {
  it('maps resourceVersion, match, limit and continue to a read', () => {
    assert.deepEqual(planList({ namespace: '' }, P), { kind: 'latest' });
    assert.deepEqual(planList({ namespace: '', resourceVersion: '0' }, P), { kind: 'any' });
    assert.deepEqual(planList({ namespace: '', resourceVersion: '0', limit: 5 }, P), { kind: 'any' });
    assert.deepEqual(planList({ namespace: '', resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' }, P), {
      kind: 'any',
    });
    assert.deepEqual(planList({ namespace: '', resourceVersion: '9' }, P), { kind: 'notOlderThan', revision: 9 });
    assert.deepEqual(
      planList({ namespace: '', resourceVersion: '9', limit: 5 }, P),
      { kind: 'exact', revision: 9 },
      'legacy: a limit makes it Exact',
    );
    assert.deepEqual(
      planList({ namespace: '', resourceVersion: '9', limit: 5, resourceVersionMatch: 'NotOlderThan' }, P),
      { kind: 'notOlderThan', revision: 9 },
    );
    assert.deepEqual(planList({ namespace: '', resourceVersion: '9', resourceVersionMatch: 'Exact' }, P), {
      kind: 'exact',
      revision: 9,
    });
    const tok = encodeContinue(`${P}b\0`, P, 7);
    assert.deepEqual(planList({ namespace: '', continue: tok }, P), {
      kind: 'continue',
      startKey: `${P}b\0`,
      revision: 7,
    });
    assert.deepEqual(
      planList({ namespace: '', continue: tok, resourceVersion: '0' }, P),
      { kind: 'continue', startKey: `${P}b\0`, revision: 7 },
      '"0" is allowed with continue',
    );
  });

  it('refuses what upstream storage refuses', () => {
    const bad = (msg: string) => (e: unknown) =>
      e instanceof ApiError && e.reason === 'BadRequest' && e.message === msg;
    const tok = encodeContinue(`${P}b\0`, P, 7);
    assert.throws(
      () => planList({ namespace: '', continue: tok, resourceVersion: '7' }, P),
      bad('specifying resource version is not allowed when using continue'),
    );
    assert.throws(
      () => planList({ namespace: '', resourceVersion: '7', resourceVersionMatch: 'Sometimes' }, P),
      bad('unknown ResourceVersionMatch value: Sometimes'),
    );
    assert.throws(
      () => planList({ namespace: '', resourceVersion: 'abc' }, P),
      (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest',
    );
  });
});

describe('registry list at a resourceVersion', () => {
  it('Exact reads the collection as it was at N and reports N', async () => {
    const { registry } = await newRegistry();
    const a = await registry.create('pods', 'default', pod('a'));
    const rvA = a.metadata.resourceVersion!;
    await registry.create('pods', 'default', pod('b'));
    await registry.delete('pods', 'default', 'a', { gracePeriodSeconds: 0 });
    const now = await registry.list('pods', { namespace: 'default' });
    assert.deepEqual(names(now), ['b']);
    const then = await registry.list('pods', {
      namespace: 'default',
      resourceVersion: rvA,
      resourceVersionMatch: 'Exact',
    });
    assert.deepEqual(names(then), ['a']);
    assert.equal(then.resourceVersion, rvA);
    assert.equal(then.items[0]?.metadata.resourceVersion, rvA);
    // Legacy: resourceVersion + limit, no match, is Exact too (and pages stay at N).
    const legacy = await registry.list('pods', { namespace: 'default', resourceVersion: rvA, limit: 1 });
    assert.deepEqual([names(legacy), legacy.resourceVersion, legacy.continue], [['a'], rvA, '']);
  });

  it('NotOlderThan (and legacy without limit) serve the latest state', async () => {
    const { registry } = await newRegistry();
    const a = await registry.create('pods', 'default', pod('a'));
    const b = await registry.create('pods', 'default', pod('b'));
    for (const q of [{ resourceVersionMatch: 'NotOlderThan' }, {}]) {
      const page = await registry.list('pods', {
        namespace: 'default',
        resourceVersion: a.metadata.resourceVersion,
        ...q,
      });
      assert.deepEqual(names(page), ['a', 'b']);
      assert.equal(page.resourceVersion, b.metadata.resourceVersion);
    }
  });

  it("a compacted Exact revision is 410 Expired with upstream's message", async () => {
    const { registry, store } = await newRegistry();
    const a = await registry.create('pods', 'default', pod('a'));
    await registry.create('pods', 'default', pod('b'));
    await store.compact(await store.currentRevision());
    for (const q of [{ resourceVersionMatch: 'Exact' }, { limit: 10 }]) {
      await assert.rejects(
        registry.list('pods', { namespace: 'default', resourceVersion: a.metadata.resourceVersion, ...q }),
        (e: unknown) =>
          e instanceof ApiError &&
          e.reason === 'Expired' &&
          e.httpCode === 410 &&
          e.message === 'The resourceVersion for the provided list is too old.',
      );
    }
  });

  it('a revision from the future: 504 Too large resource version (Exact at once, NotOlderThan after waiting)', async () => {
    const { registry, store } = await newRegistry({ resourceVersionWaitMs: 0 });
    const future = (await store.currentRevision()) + 100;
    await assert.rejects(
      registry.list('pods', { namespace: '', resourceVersion: String(future), resourceVersionMatch: 'Exact' }),
      isTooLarge(future, undefined),
    );
    await assert.rejects(
      registry.list('pods', { namespace: '', resourceVersion: String(future), limit: 3 }),
      isTooLarge(future, undefined),
    );
    await assert.rejects(
      registry.list('pods', { namespace: '', resourceVersion: String(future), resourceVersionMatch: 'NotOlderThan' }),
      isTooLarge(future, 1),
    );
    await assert.rejects(
      registry.list('pods', { namespace: '', resourceVersion: String(future) }),
      isTooLarge(future, 1),
    );
    await assert.rejects(
      registry.get('namespaces', '', 'default', { resourceVersion: String(future) }),
      isTooLarge(future, 1),
    );
    assert.equal((await registry.get('namespaces', '', 'default', { resourceVersion: '0' })).metadata.name, 'default');
  });

  it('NotOlderThan waits for the store to reach N', async () => {
    const { registry, store } = await newRegistry({ resourceVersionWaitMs: 5_000, resourceVersionPollMs: 1 });
    const next = (await store.currentRevision()) + 1;
    const pending = registry.list('pods', {
      namespace: 'default',
      resourceVersion: String(next),
      resourceVersionMatch: 'NotOlderThan',
    });
    const got = registry.get('pods', 'default', 'late', { resourceVersion: String(next) });
    await registry.create('pods', 'default', pod('late'));
    const page = await pending;
    assert.deepEqual(names(page), ['late']);
    assert.equal(page.resourceVersion, String(next));
    assert.equal((await got).metadata.resourceVersion, String(next));
  });
});

describe('registry list: continue tokens', () => {
  it('refuses a resourceVersion next to continue; "0" is fine', async () => {
    const { registry } = await newRegistry();
    for (const n of ['a', 'b']) await registry.create('pods', 'default', pod(n));
    const first = await registry.list('pods', { namespace: 'default', limit: 1 });
    await assert.rejects(
      registry.list('pods', {
        namespace: 'default',
        limit: 1,
        continue: first.continue,
        resourceVersion: first.resourceVersion,
      }),
      (e: unknown) =>
        e instanceof ApiError &&
        e.reason === 'BadRequest' &&
        e.message === 'specifying resource version is not allowed when using continue',
    );
    const second = await registry.list('pods', {
      namespace: 'default',
      limit: 1,
      continue: first.continue,
      resourceVersion: '0',
    });
    assert.deepEqual(names(second), ['b']);
  });

  it('an expired token is 410 with a token in metadata.continue that finishes the list at the latest revision', async () => {
    const { registry, store } = await newRegistry();
    for (const n of ['a', 'b', 'c']) await registry.create('pods', 'default', pod(n));
    const first = await registry.list('pods', { namespace: 'default', limit: 1 });
    await registry.delete('pods', 'default', 'b', { gracePeriodSeconds: 0 });
    await registry.create('pods', 'default', pod('d'));
    await store.compact(await store.currentRevision());
    let expired: ContinueExpiredError | undefined;
    await registry.list('pods', { namespace: 'default', limit: 1, continue: first.continue }).catch((e: unknown) => {
      expired = e as ContinueExpiredError;
    });
    assert.ok(expired instanceof ContinueExpiredError);
    const status = expired.toStatus();
    assert.equal(status.code, 410);
    assert.equal(status.reason, 'Expired');
    assert.match(
      status.message,
      /^The provided continue parameter is too old to display a consistent list result\. You can start a new list without the continue parameter, or use the continue token/,
    );
    const token = (status.metadata as { continue?: string }).continue!;
    assert.deepEqual(decodeContinue(token, P), {
      startKey: decodeContinue(first.continue, P).startKey,
      revision: undefined,
    });
    const rest = await registry.list('pods', { namespace: 'default', continue: token });
    assert.deepEqual(names(rest), ['c', 'd']);
    assert.equal(rest.resourceVersion, String(await store.currentRevision()));
  });
});
