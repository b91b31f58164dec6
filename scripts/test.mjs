#!/usr/bin/env node
// The project's test command (`npm test`): build, unit tests, component integration tests against
// real etcd and real Docker, then the end-to-end scenario against a real compose lab driven by the
// real kubectl. Prints one closing line: "N passed, N failed".
//
// Environment: KUBELAB_TEST_ONLY=unit|integration|e2e runs one stage; KUBELAB_E2E_KEEP=1 keeps the
// e2e lab running afterwards (for debugging).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const only = process.env.KUBELAB_TEST_ONLY ?? '';
const totals = { pass: 0, fail: 0 };
const started = Date.now();

function log(msg) {
  console.log(`\n[test ${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function find(suffix) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name.endsWith(suffix)) out.push(p);
    }
  };
  for (const pkg of readdirSync(root)) {
    const dist = join(root, pkg, 'dist');
    try {
      if (statSync(dist).isDirectory()) walk(dist);
    } catch {
      /* no dist in this folder */
    }
  }
  return out.sort();
}

// Runs node's test runner on files, counting results from a TAP copy of the output.
function nodeTest(stage, files, env = {}) {
  if (files.length === 0) {
    log(`${stage}: no test files`);
    return;
  }
  const tap = join(mkdtempSync(join(tmpdir(), 'kubelab-test-')), 'out.tap');
  log(`${stage}: ${files.length} file(s)`);
  run(
    process.execPath,
    [
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { env: { ...process.env, ...env } },
  );
  let text = '';
  try {
    text = readFileSync(tap, 'utf8');
  } catch {
    /* runner crashed before writing */
  }
  const pass = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  // A test cancelled (its suite's setup failed: say, the lab never came up) did not pass.
  const cancelled = Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? (text ? 0 : 1)) + cancelled;
  totals.pass += pass;
  totals.fail += fail;
  log(`${stage}: ${pass} passed, ${fail} failed${cancelled ? ` (${cancelled} cancelled)` : ''}`);
}

function finish() {
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  console.log(`${totals.pass} passed, ${totals.fail} failed`);
  process.exit(totals.fail > 0 || totals.pass === 0 ? 1 : 0);
}

log('lint and format (biome: floating promises, exhaustive switch, unused imports/variables, width 120)');
if (run('npx', ['biome', 'check', '--max-diagnostics=50']) !== 0) {
  totals.fail++;
  finish();
}

log('checking that every workspace declares what it imports');
if (run(process.execPath, ['scripts/check-imports.mjs']) !== 0) {
  totals.fail++;
  finish();
}

log('build (tsc -b)');
if (run('npx', ['tsc', '-b']) !== 0) {
  totals.fail++;
  finish();
}

if (!only || only === 'unit') nodeTest('unit', find('.test.js'));

if (!only || only === 'integration' || only === 'e2e') {
  log('making sure Docker and the host packages for offline images are here');
  if (run('bash', ['scripts/ensure-docker.sh']) !== 0) {
    totals.fail++;
    finish();
  }
}

if (!only || only === 'integration') nodeTest('integration', find('.itest.js'));

if (!only || only === 'e2e') nodeTest('e2e', find('.e2e.js'));

finish();
