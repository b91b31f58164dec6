import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLatency, netemArgs, parseDuration, parsePercent } from './parse.js';
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
