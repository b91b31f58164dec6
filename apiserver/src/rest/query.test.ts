import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deleteDryRun,
  deleteOptions,
  dryRun,
  includeObject,
  isWatch,
  listQuery,
  watchQuery,
  writeOptions,
} from './query.js';

const q = (s: string) => new URL(`http://x/api/v1/pods?${s}`).searchParams;
const reason = (r: string) => (e: unknown) => (e as { reason?: string }).reason === r;

test('set-based label selectors arrive URL-encoded (+ for spaces) and pass through verbatim', () => {
  const lq = listQuery(q('labelSelector=app+in+%28web%29%2Ctier%21%3Dx&limit=500'), 'default');
  assert.deepEqual(lq, { namespace: 'default', labelSelector: 'app in (web),tier!=x', limit: 500 });
  assert.equal(listQuery(q('labelSelector=%21canary%2Cenv'), '').labelSelector, '!canary,env');
});

test('field selectors with any term order, and != terms', () => {
  const lq = listQuery(q('fieldSelector=spec.nodeName%3Dn1%2Cstatus.phase%21%3DFailed'), '');
  assert.equal(lq.fieldSelector, 'spec.nodeName=n1,status.phase!=Failed');
});

test('malformed selectors and numbers are 400s before the registry is asked', () => {
  assert.throws(() => listQuery(q('labelSelector=a+in+%28'), ''), reason('BadRequest'));
  assert.throws(() => listQuery(q('fieldSelector=justaword'), ''), reason('BadRequest'));
  assert.throws(() => listQuery(q('limit=ten'), ''), reason('BadRequest'));
  assert.throws(() => watchQuery(q('timeoutSeconds=-1'), ''), reason('BadRequest'));
});

test('continue, resourceVersion (including "0"), limit=0 means no limit', () => {
  assert.deepEqual(listQuery(q('continue=abc&resourceVersion=0&limit=0'), 'ns'), {
    namespace: 'ns',
    continue: 'abc',
    resourceVersion: '0',
  });
});

test('watch parameters: watch=true or 1, bookmarks, timeout; no paging', () => {
  assert.equal(isWatch(q('watch=true')), true);
  assert.equal(isWatch(q('watch=1')), true);
  assert.equal(isWatch(q('watch=false')), false);
  const wq = watchQuery(
    q(
      'allowWatchBookmarks=true&fieldSelector=metadata.name%3Dweb&resourceVersion=156&timeoutSeconds=529&watch=true&limit=5',
    ),
    'default',
  );
  assert.deepEqual(wq, {
    namespace: 'default',
    fieldSelector: 'metadata.name=web',
    resourceVersion: '156',
    allowBookmarks: true,
    timeoutSeconds: 529,
  });
});

test('dryRun=All and fieldManager become WriteOptions; other dryRun values are rejected', () => {
  assert.deepEqual(writeOptions(q('fieldManager=kubectl-client-side-apply&fieldValidation=Strict&dryRun=All')), {
    dryRun: true,
    fieldManager: 'kubectl-client-side-apply',
  });
  assert.deepEqual(writeOptions(q('')), {});
  assert.equal(dryRun(q('dryRun=')), false);
  assert.throws(() => dryRun(q('dryRun=Some')), reason('BadRequest'));
});

test('DeleteOptions from the body win over the query; preconditions and orphanDependents', () => {
  assert.deepEqual(
    deleteOptions(q(''), {
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
      preconditions: { uid: 'u1', resourceVersion: '9' },
    }),
    {
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
      preconditionUid: 'u1',
      preconditionResourceVersion: '9',
    },
  );
  assert.deepEqual(deleteOptions(q('propagationPolicy=Orphan&gracePeriodSeconds=5'), undefined), {
    propagationPolicy: 'Orphan',
    gracePeriodSeconds: 5,
  });
  assert.deepEqual(deleteOptions(q('propagationPolicy=Orphan'), { propagationPolicy: 'Background' }), {
    propagationPolicy: 'Background',
  });
  assert.deepEqual(deleteOptions(q(''), { orphanDependents: true }), { propagationPolicy: 'Orphan' });
  assert.throws(() => deleteOptions(q(''), { propagationPolicy: 'Sometimes' }), reason('BadRequest'));
  assert.throws(() => deleteOptions(q(''), { gracePeriodSeconds: 'soon' }), reason('BadRequest'));
});

test('includeObject', () => {
  assert.equal(includeObject(q('')), 'Metadata');
  assert.equal(includeObject(q('includeObject=Object')), 'Object');
  assert.throws(() => includeObject(q('includeObject=All')), reason('BadRequest'));
});

test('dryRun for DELETE comes from the DeleteOptions body (kubectl --dry-run=server) or the query', () => {
  assert.equal(deleteDryRun(q(''), { kind: 'DeleteOptions', dryRun: ['All'] }), true);
  assert.equal(deleteDryRun(q('dryRun=All'), undefined), true);
  assert.equal(deleteDryRun(q(''), { propagationPolicy: 'Background' }), false);
  assert.throws(() => deleteDryRun(q(''), { dryRun: ['Partial'] }), reason('BadRequest'));
});
