import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseClockSkew } from '@kubelab/client/clock-skew';
import { skewArchive } from './clock.js';
import {
  describeLatency,
  formatClockOffset,
  netemArgs,
  parseClockOffset,
  parseDuration,
  parsePercent,
} from './parse.js';
import { lossRules, peerRules } from './netns.js';
import { describeFaults, newFaultId, readFaults, writeFaults, type FaultRecord } from './state.js';

test('durations and percentages, with errors that say what is wrong', () => {
  assert.equal(parseDuration('200ms', 'DELAY'), 200);
  assert.equal(parseDuration('1.5s', 'DELAY'), 1500);
  assert.equal(parseDuration('30', 'DELAY'), 30);
  assert.throws(
    () => parseDuration('soon', 'DELAY'),
    /DELAY: Invalid value: "soon": must be a duration such as 200ms or 1s/,
  );
  assert.throws(() => parseDuration('2m', '--jitter'), /--jitter: Invalid value/);
  assert.equal(parsePercent('5%', '--loss'), 0.05);
  assert.throws(
    () => parsePercent('120%', '--loss'),
    /--loss: Invalid value: "120%": must be a percentage from 0% to 100%/,
  );
});

test('netem arguments and their description', () => {
  assert.deepEqual(netemArgs({ delayMs: 200, jitterMs: 20, loss: 0.05 }), ['delay', '200ms', '20ms', 'loss', '5%']);
  assert.deepEqual(netemArgs({ delayMs: 200, jitterMs: 0, loss: 0 }), ['delay', '200ms']);
  assert.equal(describeLatency({ delayMs: 0, jitterMs: 0, loss: 0.05 }), '5% loss');
});

test('every rule added has its exact undo', () => {
  const p = peerRules(['10.0.0.2']);
  assert.equal(p.add.length, 2);
  assert.deepEqual(
    p.undo.map((r) => r.slice(2)),
    p.add.map((r) => r.slice(2)),
  );
  assert.deepEqual(
    p.add.map((r) => r[1]),
    ['-I', '-I'],
  );
  assert.deepEqual(
    p.undo.map((r) => r[1]),
    ['-D', '-D'],
  );
  const l = lossRules(0.1);
  assert.ok(l.add[0]!.includes('0.1'));
  assert.deepEqual(
    l.undo.map((r) => r.slice(2)),
    l.add.map((r) => r.slice(2)),
  );
});

test('the fault file round-trips, numbers faults and describes them', async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'chaos-')), 'sub', 'chaos.json');
  assert.deepEqual(await readFaults(path), []);
  const f: FaultRecord = {
    id: 'f1',
    kind: 'pause',
    target: 'scheduler',
    container: { id: 'abc', name: 'lab-scheduler-1' },
    since: new Date(1000).toISOString(),
    detail: 'paused (frozen)',
  };
  await writeFaults(path, [f]);
  assert.deepEqual(await readFaults(path), [f]);
  assert.equal(newFaultId([f, { ...f, id: 'f7' }]), 'f8');
  assert.deepEqual(describeFaults([f], 13_000), [
    'f1  pause     scheduler (lab-scheduler-1): paused (frozen), for 12s',
  ]);
});

test('clock offsets: signed durations, compound ones, and clear errors', () => {
  assert.equal(parseClockOffset('+90s'), 90_000);
  assert.equal(parseClockOffset('90s'), 90_000, 'no sign: ahead');
  assert.equal(parseClockOffset('-30s'), -30_000);
  assert.equal(parseClockOffset('-2m'), -120_000);
  assert.equal(parseClockOffset('1h30m'), 5_400_000);
  assert.equal(parseClockOffset('+1.5s'), 1500);
  assert.equal(parseClockOffset('-250ms'), -250);
  assert.equal(parseClockOffset('1m5ms'), 60_005);
  for (const bad of ['soon', '90', '+', '1h-30m', '5 s', '+-5s', '1w'])
    assert.throws(
      () => parseClockOffset(bad),
      (err: Error) =>
        err.message === `OFFSET: Invalid value: "${bad}": must be a signed duration such as +90s, -2m or 1h30m`,
      bad,
    );
  assert.throws(() => parseClockOffset('+0s'), /must not be zero \(kubelab chaos heal removes a skew\)/);
  assert.throws(() => parseClockOffset('400d'), /must be at most a year either way/);
  assert.deepEqual([90_000, -120_000, 5_400_000, 1500, -250, 86_400_000 + 1000].map(formatClockOffset), [
    '+1m30s',
    '-2m',
    '+1h30m',
    '+1.5s',
    '-0.25s',
    '+1d1s',
  ]);
});

test('the skew archive: ustar entries for /run, /run/kubelab and the file, checksums right', () => {
  const tar = skewArchive('90000\n');
  assert.equal(tar.length % 512, 0);
  const entries: { name: string; type: string; size: number; body: string }[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) => h.toString('ascii', a, a + n).replace(/\0.*$/s, '');
    const size = Number.parseInt(str(124, 12), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    assert.equal(Number.parseInt(str(148, 8), 8), sum, `checksum of ${str(0, 100)}`);
    assert.equal(str(257, 6), 'ustar');
    entries.push({
      name: str(0, 100),
      type: str(156, 1),
      size,
      body: tar.toString('ascii', off + 512, off + 512 + size),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  assert.deepEqual(
    entries.map((e) => [e.name, e.type, e.size]),
    [
      ['run/', '5', 0],
      ['run/kubelab/', '5', 0],
      ['run/kubelab/clock-skew', '0', 6],
    ],
  );
  assert.equal(parseClockSkew(entries[2]!.body), 90_000, 'what the component reads back');
  assert.equal(skewArchive('').length, 512 * 3 + 1024, 'healing: an empty file');
});

test('kubelab chaos clock-skew refuses a bad offset with exit code 2 before touching the lab', () => {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  for (const bad of ['soon', '+0s']) {
    const r = spawnSync(process.execPath, [main, 'chaos', 'clock-skew', 'controller-manager', bad], {
      encoding: 'utf8',
      env: { ...process.env, KUBELAB_PROJECT: 'kubelab-no-such-lab' },
    });
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(`error: OFFSET: Invalid value: "${bad}": must`), r.stderr);
  }
});
