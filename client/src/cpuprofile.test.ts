import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { startCpuProfile } from './cpuprofile.js';

test('KUBELAB_CPU_PROFILE: a V8 profile is written on stop; unset: nothing happens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-cpuprofile-'));
  try {
    const log = pino({ level: 'silent' });
    await startCpuProfile('none', log, '')();
    assert.deepEqual(readdirSync(dir), []);
    const write = startCpuProfile('comp', log, dir);
    let x = 0;
    for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
    assert.ok(x > 0);
    await write();
    const files = readdirSync(dir);
    assert.deepEqual(files, [`comp-${process.pid}.cpuprofile`]);
    const profile = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { nodes: unknown[]; samples: unknown[] };
    assert.ok(profile.nodes.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
