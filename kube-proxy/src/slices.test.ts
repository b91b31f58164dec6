import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SliceIndex } from './slices.js';
import { slice } from './testing.js';

test('slices are indexed by their service-name label', () => {
  const idx = new SliceIndex();
  const a = slice('web', [{ ip: '10.0.0.1' }], [{ port: 80 }], { name: 'web-1' });
  const b = slice('web', [{ ip: '10.0.0.2' }], [{ port: 80 }], { name: 'web-2' });
  assert.deepEqual(idx.put(a), ['default/web']);
  idx.put(b);
  assert.equal(idx.of('default/web').length, 2);
  const moved = slice('db', [], [], { name: 'web-2' });
  assert.deepEqual(idx.put(moved, b).sort(), ['default/db', 'default/web']);
  assert.deepEqual(
    idx.of('default/web').map((s) => s.metadata.name),
    ['web-1'],
  );
  assert.deepEqual(idx.remove(a), ['default/web']);
  assert.deepEqual(idx.of('default/web'), []);
});
