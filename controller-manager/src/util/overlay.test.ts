import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { WriteOverlay } from './overlay.js';

const obj = (name: string, rv: number, uid = `u-${name}`): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: String(rv), uid },
});

test('our newer writes win until the cache catches up', () => {
  let now = 0;
  const o = new WriteOverlay<KubeObject>({ now: () => now }, 1000);
  o.wrote(obj('a', 5));
  o.wrote(obj('new', 6));
  let view = o.view([obj('a', 4), obj('b', 1)]);
  assert.deepEqual(view.map((x) => `${x.metadata.name}@${x.metadata.resourceVersion}`).sort(), ['a@5', 'b@1', 'new@6']);
  view = o.view([obj('a', 7), obj('b', 1), obj('new', 6)]);
  assert.deepEqual(view.map((x) => `${x.metadata.name}@${x.metadata.resourceVersion}`).sort(), ['a@7', 'b@1', 'new@6']);
  assert.equal(o.size, 0, 'entries dropped once the cache has them');
  o.deleted('ns/b');
  assert.deepEqual(o.view([obj('b', 1)]), []);
  assert.deepEqual(o.view([]), []);
  assert.equal(o.size, 0);
  o.wrote(obj('c', 9));
  now = 2000;
  assert.deepEqual(o.view([]), [], 'expired entries are dropped');
  o.wrote(obj('d', 9));
  assert.deepEqual(
    o.view([obj('d', 3, 'other-uid')]).map((x) => x.metadata.uid),
    ['other-uid'],
    'a recreated object is not shadowed',
  );
});
