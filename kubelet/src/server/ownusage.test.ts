import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OwnUsage } from './ownusage.js';

test("the node's own share: the kubelet's CPU rate between samples and its resident memory", () => {
  let micros = 1_000_000;
  let now = 10_000;
  const own = new OwnUsage({ cpuMicros: () => micros, rssBytes: () => 50 * 1024 * 1024, nowMs: () => now });
  own.sample();
  micros += 250_000; // a quarter of a core for one second
  now += 1000;
  const s = own.sample();
  assert.equal(s.cpu.usageNanoCores, 250_000_000);
  assert.equal(s.memory.workingSetBytes, 50 * 1024 * 1024);
});
