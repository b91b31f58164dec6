import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from './json-patch.js';

const reason = (r: string) => (e: unknown) => (e as { reason?: string }).reason === r;

test('add, remove, replace on objects and arrays (RFC 6902 appendix A)', () => {
  assert.deepEqual(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), {
    foo: 'bar',
    baz: 'qux',
  });
  assert.deepEqual(applyJsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), {
    foo: ['bar', 'qux', 'baz'],
  });
  assert.deepEqual(applyJsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: 'x' }]), {
    foo: ['bar', 'x'],
  });
  assert.deepEqual(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' });
  assert.deepEqual(applyJsonPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]), {
    foo: ['bar', 'baz'],
  });
  assert.deepEqual(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), {
    baz: 'boo',
    foo: 'bar',
  });
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: [1] }]), [1]);
});

test('move, copy, test and escaped pointers', () => {
  assert.deepEqual(
    applyJsonPatch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [
      { op: 'move', from: '/foo/waldo', path: '/qux/thud' },
    ]),
    {
      foo: { bar: 'baz' },
      qux: { corge: 'grault', thud: 'fred' },
    },
  );
  assert.deepEqual(
    applyJsonPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]),
    { foo: ['all', 'cows', 'eat', 'grass'] },
  );
  assert.deepEqual(applyJsonPatch({ a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }]), {
    a: { b: 1 },
    c: { b: 1 },
  });
  assert.deepEqual(
    applyJsonPatch({ 'a/b': 1, 'm~n': 2 }, [
      { op: 'replace', path: '/a~1b', value: 3 },
      { op: 'remove', path: '/m~0n' },
    ]),
    { 'a/b': 3 },
  );
  assert.deepEqual(
    applyJsonPatch({ baz: 'qux', foo: ['a', 2, 'c'] }, [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ]),
    { baz: 'qux', foo: ['a', 2, 'c'] },
  );
});

test('kubectl rollout undo replaces spec.template and metadata.annotations', () => {
  const live = {
    metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '3' } },
    spec: { template: { spec: { containers: [{ name: 'n', image: 'v3' }] } } },
  };
  const out = applyJsonPatch(live, [
    { op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'n', image: 'v1' }] } } },
    { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '1' } },
  ]) as typeof live;
  assert.equal(out.spec.template.spec.containers[0]!.image, 'v1');
  assert.equal(live.spec.template.spec.containers[0]!.image, 'v3', 'input untouched');
});

test('failures: missing paths and failed tests are Invalid, malformed patches BadRequest', () => {
  assert.throws(() => applyJsonPatch({}, [{ op: 'replace', path: '/nope', value: 1 }]), reason('Invalid'));
  assert.throws(() => applyJsonPatch({}, [{ op: 'remove', path: '/a/b' }]), reason('Invalid'));
  assert.throws(() => applyJsonPatch({ a: [1] }, [{ op: 'add', path: '/a/5', value: 1 }]), reason('Invalid'));
  assert.throws(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), reason('Invalid'));
  assert.throws(() => applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]), reason('Invalid'));
  assert.throws(() => applyJsonPatch({}, { op: 'add' }), reason('BadRequest'));
  assert.throws(() => applyJsonPatch({}, [{ op: 'frob', path: '/a' }]), reason('BadRequest'));
  assert.throws(() => applyJsonPatch({}, [{ op: 'add', path: '/a' }]), reason('BadRequest'));
});

test('CVE-2019-1002100: copying a value onto itself stops at 3 MiB of copies (422); over 10,000 operations is 413', () => {
  const doubling = Array.from({ length: 12 }, (_, i) => ({
    op: 'copy',
    from: '/a',
    path: `/a/${i === 0 ? 'x' : 'x'.repeat(i + 1)}`,
  }));
  assert.throws(
    () => applyJsonPatch({ a: { seed: 'y'.repeat(1024) } }, doubling),
    (e: unknown) => {
      assert.equal((e as { reason?: string }).reason, 'Invalid');
      assert.match(
        String((e as Error).message),
        /Unable to complete the copy, the accumulated size increase of copy is \d+, exceeding the limit 3145728/,
      );
      return true;
    },
  );
  // Eleven doublings of 1 KiB stay under the copy budget (the stored-size limit stops them later).
  const out = applyJsonPatch({ a: { seed: 'y'.repeat(100) } }, doubling.slice(0, 11)) as { a: Record<string, unknown> };
  assert.equal(Object.keys(out.a).length, 12);
  const many = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '', value: {} }));
  assert.throws(
    () => applyJsonPatch({}, many),
    (e: unknown) => {
      assert.equal((e as { reason?: string }).reason, 'RequestEntityTooLarge');
      assert.equal(
        (e as Error).message,
        'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
      );
      return true;
    },
  );
  assert.deepEqual(applyJsonPatch({}, many.slice(0, 10_000)), {});
});
