import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatTaint, parseNodeLabels, parseNodeTaints } from './node-spec.js';

describe('node labels', () => {
  it('parses k=v pairs, empty values included', () => {
    assert.deepEqual(parseNodeLabels('disk=ssd, example.com/zone=a,role='), {
      disk: 'ssd',
      'example.com/zone': 'a',
      role: '',
    });
    assert.deepEqual(parseNodeLabels(''), {});
  });
  it('rejects a pair without = and bad keys or values with the reason', () => {
    assert.throws(() => parseNodeLabels('disk'), /invalid label "disk": malformed pair, expect string=string/);
    assert.throws(
      () => parseNodeLabels('-x=1'),
      /invalid label "-x=1": Invalid value: "-x": name part must consist of alphanumeric/,
    );
    assert.throws(() => parseNodeLabels('a=b c'), /Invalid value: "b c": a valid label must be an empty string/);
  });
});

describe('node taints', () => {
  it('parses key=value:Effect and key:Effect', () => {
    assert.deepEqual(parseNodeTaints('gpu=true:NoSchedule,spot:PreferNoSchedule'), [
      { key: 'gpu', value: 'true', effect: 'NoSchedule' },
      { key: 'spot', effect: 'PreferNoSchedule' },
    ]);
  });
  it("rejects what kubectl taint rejects, with upstream's messages", () => {
    assert.throws(() => parseNodeTaints('gpu=true'), /^Error: invalid taint spec: gpu=true$/);
    assert.throws(
      () => parseNodeTaints('gpu=true:Sometimes'),
      /invalid taint effect: Sometimes, unsupported taint effect/,
    );
    assert.throws(() => parseNodeTaints('a=b=c:NoSchedule'), /invalid taint spec: a=b=c:NoSchedule$/);
    assert.throws(
      () => parseNodeTaints('a b:NoSchedule'),
      /invalid taint spec: a b:NoSchedule, name part must consist/,
    );
    assert.throws(
      () => parseNodeTaints('a=1:NoSchedule,a=2:NoSchedule'),
      /duplicated taints with the same key and effect: a=2:NoSchedule/,
    );
  });
  it('formats as kubectl does', () => {
    assert.equal(formatTaint({ key: 'a', value: 'b', effect: 'NoExecute' }), 'a=b:NoExecute');
    assert.equal(formatTaint({ key: 'a', effect: 'NoExecute' }), 'a:NoExecute');
  });
});
