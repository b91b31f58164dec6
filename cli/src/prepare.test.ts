import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureDocker } from './prepare.js';

test('the host check runs until it has passed with this script and engine, then is skipped', async () => {
  const root = await mkdtemp(join(tmpdir(), 'prepare-'));
  try {
    await mkdir(join(root, 'scripts'));
    const script = join(root, 'scripts', 'ensure-docker.sh');
    const runs = join(root, 'runs');
    await writeFile(script, `echo ran >> ${runs}\n`);
    const ranTimes = async () => (await readFile(runs, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    let version: string | undefined = '20.10';
    const lines: string[] = [];
    const check = () =>
      ensureDocker(
        root,
        (l) => lines.push(l),
        async () => version,
      );

    await check();
    assert.equal(await ranTimes(), 1, 'first time: the script runs');
    await check();
    assert.equal(await ranTimes(), 1, 'passed before with this engine: skipped');
    assert.match(lines.at(-1)!, /Docker engine 20\.10 answers .*checked before/);

    version = '24.0';
    await check();
    assert.equal(await ranTimes(), 2, 'another engine version: checked again');
    await writeFile(script, `echo ran >> ${runs}\n# changed\n`);
    await check();
    assert.equal(await ranTimes(), 3, 'another script: checked again');

    version = undefined;
    await check();
    assert.equal(await ranTimes(), 4, 'no engine answering: the script runs (it starts one)');
    await writeFile(script, 'exit 3\n');
    await assert.rejects(check(), /ensure-docker\.sh failed/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
