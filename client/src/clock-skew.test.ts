import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@kubelab/api';
import { parseClockSkew, readClockSkew, SkewedClock, watchClockSkew } from './clock-skew.js';

test('the skew file holds a signed whole number of milliseconds', () => {
  assert.equal(parseClockSkew('90000\n'), 90_000);
  assert.equal(parseClockSkew('+5'), 5);
  assert.equal(parseClockSkew('-30000'), -30_000);
  assert.equal(parseClockSkew('  '), 0);
  assert.throws(() => parseClockSkew('90s'), /clock skew "90s": not a whole number of milliseconds/);
  assert.throws(() => parseClockSkew('1.5'), /not a whole number/);
  assert.throws(() => parseClockSkew(String(400 * 24 * 3600_000)), /more than a year/);
});

test('a missing or bad file is no skew', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skew-'));
  assert.equal(readClockSkew(join(dir, 'none')), 0);
  await writeFile(join(dir, 'bad'), 'soon');
  assert.equal(readClockSkew(join(dir, 'bad')), 0);
  await writeFile(join(dir, 'ok'), '-2000');
  assert.equal(readClockSkew(join(dir, 'ok')), -2000);
});

test('a skewed clock moves now() and leaves monotonic() alone', () => {
  let wall = 1_000_000;
  let mono = 50;
  const base: Clock = { now: () => wall, monotonic: () => mono };
  const c = new SkewedClock(base);
  assert.equal(c.now(), 1_000_000);
  c.offsetMs = 90_000;
  assert.equal(c.now(), 1_090_000);
  assert.equal(c.monotonic(), 50);
  wall += 10;
  mono += 10;
  assert.deepEqual([c.now(), c.monotonic()], [1_090_010, 60]);
  // A base without a monotonic reading (a test fake): its now(), unskewed.
  assert.equal(new SkewedClock({ now: () => 7 }).monotonic(), 7);
});

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('the watched file is followed: written, changed (renamed over), removed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skew-'));
  const file = join(dir, 'clock-skew');
  const ac = new AbortController();
  await writeFile(file, '1000');
  const c = watchClockSkew({ file, intervalMs: 20, signal: ac.signal, base: { now: () => 0 } });
  try {
    assert.equal(c.now(), 1000, 'read at once at start');
    await writeFile(`${file}.tmp`, '90000');
    await rename(`${file}.tmp`, file);
    await until(() => c.now() === 90_000, 'the new offset');
    await rm(file);
    await until(() => c.now() === 0, 'no offset once the file is gone');
    await writeFile(file, '-30000');
    await until(() => c.now() === -30_000, 'a file created later');
  } finally {
    ac.abort();
  }
});
