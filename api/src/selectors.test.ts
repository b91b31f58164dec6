import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import { matches, parseLabelSelector, selectorToString } from './labels.js';
import { fieldLabelError, parseFieldSelector } from './fields.js';

const refused = (s: string, message: string): void => {
  assert.throws(
    () => parseLabelSelector(s),
    (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.reason, 'BadRequest');
      assert.equal(e.message, message, s);
      return true;
    },
    s,
  );
};

test('label selectors parse as upstream: equality, sets, existence, gt/lt, whitespace', () => {
  assert.deepEqual(parseLabelSelector('app=web, tier != db,env in (prod, staging),!canary,zone,x notin (),n>3'), [
    { key: 'app', op: '=', values: ['web'] },
    { key: 'tier', op: '!=', values: ['db'] },
    { key: 'env', op: 'in', values: ['prod', 'staging'] },
    { key: 'canary', op: '!', values: [] },
    { key: 'zone', op: 'exists', values: [] },
    { key: 'x', op: 'notin', values: [''] },
    { key: 'n', op: 'gt', values: ['3'] },
  ]);
  assert.deepEqual(parseLabelSelector('a==b,c='), [
    { key: 'a', op: '=', values: ['b'] },
    { key: 'c', op: '=', values: [''] },
  ]);
  assert.deepEqual(parseLabelSelector('in in (in,notin)'), [{ key: 'in', op: 'in', values: ['in', 'notin'] }]);
  const sel = parseLabelSelector('n>3,m<10');
  assert.equal(matches(sel, { n: '4', m: '9' }), true);
  assert.equal(matches(sel, { n: '3', m: '9' }), false);
  assert.equal(matches(sel, { n: 'four', m: '9' }), false);
  assert.equal(selectorToString(sel), 'n>3,m<10');
  assert.deepEqual(parseLabelSelector(''), []);
});

test('what does not parse is a 400 with upstream messages (a typo never selects everything)', () => {
  refused('!!!', "unable to parse requirement: found '!', expected: identifier");
  refused('a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  refused('a in (b', "unable to parse requirement: found '', expected: ',' or ')'");
  refused('a in b', "unable to parse requirement: found 'b' expected: '('");
  refused('a=b c', "found 'c', expected: ',' or 'end of string'");
  refused('a,', "found '', expected: identifier after ','");
  refused(',a', "found ',', expected: !, identifier, or 'end of string'");
  refused('a=(', "unable to parse requirement: found '(', expected: identifier");
  refused(
    'n>x',
    "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
  );
  refused(
    '-a=b',
    "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  );
  refused(
    'a=-b',
    "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  );
});

test('field selectors: escapes, operators, and the fields each resource may be selected by', () => {
  assert.deepEqual(parseFieldSelector('metadata.name=a\\,b,spec.nodeName!=n1,status.phase==Running'), [
    { path: 'metadata.name', op: '=', value: 'a,b' },
    { path: 'spec.nodeName', op: '!=', value: 'n1' },
    { path: 'status.phase', op: '=', value: 'Running' },
  ]);
  assert.throws(() => parseFieldSelector('justaword'), /invalid selector: 'justaword'; can't understand 'justaword'/);
  assert.throws(() => parseFieldSelector('a=b=c'), /invalid field selector: unescaped character in value: =/);
  assert.throws(() => parseFieldSelector('a=b\\x'), /invalid field selector: invalid escape sequence: \\x/);
  assert.throws(() => parseFieldSelector('=x'), /can't understand '=x'/);
  assert.equal(fieldLabelError('pods', parseFieldSelector('spec.nodeName=n1,status.phase!=Failed')), undefined);
  assert.equal(
    fieldLabelError('pods', parseFieldSelector('spec.nodename!=n1')),
    'field label not supported: spec.nodename',
  );
  assert.equal(
    fieldLabelError('configmaps', parseFieldSelector('data.x=1')),
    '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
  );
  assert.equal(fieldLabelError('configmaps', parseFieldSelector('metadata.name=a')), undefined);
  assert.equal(fieldLabelError('events', parseFieldSelector('involvedObject.name=web,type=Warning')), undefined);
  assert.equal(fieldLabelError('nodes', parseFieldSelector('spec.unschedulable=true')), undefined);
});
