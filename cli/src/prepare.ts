/**
 * What `up` needs before compose: npm dependencies and compiled packages (only when stale), and a
 * running Docker engine with the host packages for offline images (scripts/ensure-docker.sh).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.js';
import { since, type Log } from './output.js';

async function mtime(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

async function newestUnder(dir: string): Promise<number> {
  let newest = 0;
  let dirents;
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const d of dirents) {
    const p = join(dir, d.name);
    newest = Math.max(newest, d.isDirectory() ? await newestUnder(p) : await mtime(p));
  }
  return newest;
}

async function workspaces(root: string): Promise<string[]> {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { workspaces?: string[] };
  return pkg.workspaces ?? [];
}

/** A workspace whose sources, tsconfig or package.json are newer than its last build. */
export async function staleWorkspaces(root: string): Promise<string[]> {
  const stale: string[] = [];
  for (const ws of await workspaces(root)) {
    const built = await mtime(join(root, ws, 'dist', '.tsbuildinfo'));
    const inputs = Math.max(await newestUnder(join(root, ws, 'src')), await mtime(join(root, ws, 'tsconfig.json')), await mtime(join(root, ws, 'package.json')));
    if (built === 0 || inputs > built) stale.push(ws);
  }
  return stale;
}

async function streamed(cmd: string, args: string[], root: string, log: Log, what: string): Promise<void> {
  const r = await run(cmd, args, { cwd: root, onLine: (l) => l.trim() && log(`  ${l}`) });
  if (r.code !== 0) throw new Error(`${what} failed (exit code ${r.code}): see the output above`);
}

export async function ensureNpmBuild(root: string, log: Log): Promise<void> {
  const lock = join(root, 'package-lock.json');
  const installed = await mtime(join(root, 'node_modules', '.package-lock.json'));
  if (installed === 0 || (existsSync(lock) && (await mtime(lock)) > installed)) {
    const t0 = Date.now();
    const args = existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
    log(`installing npm dependencies (npm ${args[0]})…`);
    await streamed('npm', args, root, log, `npm ${args[0]}`);
    log(`npm dependencies installed in ${since(t0)}`);
  }
  const stale = await staleWorkspaces(root);
  if (stale.length === 0) return;
  const t0 = Date.now();
  log(`building ${stale.join(', ')} (tsc -b)…`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  await streamed(process.execPath, [tsc, '-b'], root, log, 'tsc -b (fix the errors above, or pass --no-build to use the dist/ folders as they are)');
  log(`built in ${since(t0)}`);
}

export async function ensureDocker(root: string, log: Log): Promise<void> {
  await streamed('bash', [join(root, 'scripts', 'ensure-docker.sh')], root, log, 'scripts/ensure-docker.sh');
}
