import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { listOptionsErrors, versionOptions } from './listoptions.js';
import { listQuery, watchQuery } from './query.js';

const q = (s: string) => new URL(`http://x/api/v1/pods?${s}`).searchParams;

function invalid(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return err;
  }
  assert.fail('expected a 422');
}

test('resourceVersionMatch passes through with a resourceVersion', () => {
  assert.deepEqual(listQuery(q('resourceVersion=12&resourceVersionMatch=Exact&limit=5'), 'default'), {
    namespace: 'default',
    limit: 5,
    resourceVersion: '12',
    resourceVersionMatch: 'Exact',
  });
  assert.deepEqual(listQuery(q('resourceVersion=0&resourceVersionMatch=NotOlderThan'), ''), {
    namespace: '',
    resourceVersion: '0',
    resourceVersionMatch: 'NotOlderThan',
  });
  // Empty values count as unset.
  assert.deepEqual(listQuery(q('resourceVersion=&resourceVersionMatch=&continue='), ''), { namespace: '' });
});

test("resourceVersionMatch without resourceVersion is upstream's 422 on ListOptions.meta.k8s.io", () => {
  const e = invalid(() => listQuery(q('resourceVersionMatch=NotOlderThan'), 'default'));
  assert.equal(e.httpCode, 422);
  assert.deepEqual(e.toStatus(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    reason: 'Invalid',
    details: {
      group: 'meta.k8s.io',
      kind: 'ListOptions',
      causes: [
        {
          reason: 'FieldValueForbidden',
          message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
          field: 'resourceVersionMatch',
        },
      ],
    },
    code: 422,
  });
});

test('unknown match values, Exact with "0", match with continue', () => {
  const unknown = invalid(() => listQuery(q('resourceVersion=5&resourceVersionMatch=exact'), ''));
  assert.equal(
    unknown.message,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "exact": supported values: "Exact", "NotOlderThan", ""',
  );
  assert.deepEqual(unknown.details?.causes?.[0], {
    reason: 'FieldValueNotSupported',
    message: 'Unsupported value: "exact": supported values: "Exact", "NotOlderThan", ""',
    field: 'resourceVersionMatch',
  });

  const zero = invalid(() => listQuery(q('resourceVersion=0&resourceVersionMatch=Exact'), ''));
  assert.equal(
    zero.message,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
  );

  const cont = invalid(() => listQuery(q('resourceVersion=5&resourceVersionMatch=Exact&continue=abc'), ''));
  assert.equal(
    cont.message,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
  );

  const several = invalid(() => listQuery(q('resourceVersionMatch=Sometimes&continue=abc'), ''));
  assert.equal(
    several.message,
    'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided, resourceVersionMatch: Unsupported value: "Sometimes": supported values: "Exact", "NotOlderThan", ""]',
  );
  assert.equal(several.details?.causes?.length, 3);
});

test('continue with a resourceVersion is left to storage (400 there); without a match it validates here', () => {
  assert.deepEqual(listQuery(q('resourceVersion=7&continue=tok'), ''), {
    namespace: '',
    continue: 'tok',
    resourceVersion: '7',
  });
});

test('sendInitialEvents is forbidden for list', () => {
  const e = invalid(() => listQuery(q('sendInitialEvents=true'), ''));
  assert.equal(
    e.message,
    'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list',
  );
});

test('watch: resourceVersionMatch only with sendInitialEvents (and NotOlderThan), resourceVersion passes', () => {
  const e = invalid(() => watchQuery(q('watch=true&resourceVersion=5&resourceVersionMatch=NotOlderThan'), ''));
  assert.equal(
    e.message,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
  );
  const noMatch = invalid(() => watchQuery(q('watch=true&sendInitialEvents=true'), ''));
  assert.equal(
    noMatch.message,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
  );
  const exact = invalid(() =>
    watchQuery(q('watch=true&sendInitialEvents=true&resourceVersionMatch=Exact&resourceVersion=5'), ''),
  );
  assert.equal(
    exact.message,
    'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]',
  );
  assert.deepEqual(
    watchQuery(q('watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true'), 'ns'),
    {
      namespace: 'ns',
      sendInitialEvents: true,
      allowBookmarks: true,
    },
  );
  assert.deepEqual(
    watchQuery(q('watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&resourceVersion=3'), 'ns'),
    { namespace: 'ns', resourceVersion: '3', sendInitialEvents: false },
  );
  assert.throws(
    () => watchQuery(q('watch=true&sendInitialEvents=maybe&resourceVersionMatch=NotOlderThan'), ''),
    /invalid value for query parameter sendInitialEvents/,
  );
  assert.deepEqual(watchQuery(q('watch=true&resourceVersion=5'), 'ns'), { namespace: 'ns', resourceVersion: '5' });
});

test('the error list itself (no throw) for valid combinations is empty', () => {
  for (const s of [
    '',
    'resourceVersion=0',
    'resourceVersion=3&resourceVersionMatch=NotOlderThan',
    'resourceVersion=3&resourceVersionMatch=Exact',
    'continue=x&resourceVersion=0',
  ]) {
    assert.deepEqual(listOptionsErrors(versionOptions(q(s)), false), [], s);
  }
});
