import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DigestCache, sha256File } from './digest-cache.js';

test('a kept digest is used only while the file is unchanged, across loads', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'digest-cache-'));
  try {
    const file = join(dir, 'f');
    const store = join(dir, 'cache', 'digests.json');
    await writeFile(file, 'one');
    const first = await DigestCache.load(store);
    const d1 = await first.digest(file);
    assert.equal(d1, await sha256File(file));
    await first.save();

    const again = await DigestCache.load(store);
    assert.equal(await again.digest(file), d1, 'unchanged: the kept digest');
    await writeFile(file, 'two'); // same size, new content: ctime moves
    assert.equal(await again.digest(file), await sha256File(file), 'changed: hashed again');
    assert.notEqual(await again.digest(file), d1);

    await writeFile(store, '{not json');
    assert.equal(
      await (await DigestCache.load(store)).digest(file),
      await sha256File(file),
      'a damaged cache is ignored',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a kept digest whose stat no longer matches is not trusted', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'digest-cache-'));
  try {
    const file = join(dir, 'f');
    const store = join(dir, 'digests.json');
    await writeFile(file, 'content');
    await writeFile(store, JSON.stringify({ [file]: ['0 0 0 0', 'f'.repeat(64)] }));
    assert.equal(await (await DigestCache.load(store)).digest(file), await sha256File(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
