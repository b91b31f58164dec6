import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneJson } from './clone.js';

test('cloneJson: a deep copy equal to structuredClone’s on JSON-shaped values, sharing nothing', () => {
  const src = JSON.parse(
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"x":"1"},"__proto__":{"polluted":true}},' +
      '"data":{"k":"v"},"list":[1,"two",null,true,{"n":[[]]}],"num":-1.5e3}',
  );
  src.metadata.gone = undefined;
  const out = cloneJson(src);
  assert.deepEqual(out, structuredClone(src));
  assert.deepEqual(Object.keys(out), Object.keys(src), 'key order kept');
  assert.ok(Object.hasOwn(out.metadata, '__proto__'), '"__proto__" is an own key, not the prototype');
  assert.equal(Object.getPrototypeOf(out.metadata), Object.prototype);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.ok('gone' in out.metadata, 'an undefined value is kept');
  out.metadata.labels.x = '2';
  out.list[4].n.push(1);
  assert.equal(src.metadata.labels.x, '1');
  assert.deepEqual(src.list[4].n, [[]]);
  const holes = cloneJson([1, , 3]);
  assert.equal(holes.length, 3);
  assert.ok(!(1 in holes), 'a hole stays a hole');
});

test('cloneJson: anything not JSON-shaped is structuredClone’s to copy or refuse', () => {
  const when = new Date(0);
  const out = cloneJson({ when, m: new Map([[1, 2]]) });
  assert.ok(out.when instanceof Date && out.when !== when && out.when.getTime() === 0);
  assert.ok(out.m instanceof Map && out.m.get(1) === 2);
  assert.throws(() => cloneJson({ f: () => 1 }), { name: 'DataCloneError' });
});
