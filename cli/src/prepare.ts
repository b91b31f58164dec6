/**
 * What `up` needs before compose: npm dependencies and compiled packages (only when stale), and a
 * running Docker engine with the host packages for offline images (scripts/ensure-docker.sh).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Dockerode from 'dockerode';
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
    const inputs = Math.max(
      await newestUnder(join(root, ws, 'src')),
      await mtime(join(root, ws, 'tsconfig.json')),
      await mtime(join(root, ws, 'package.json')),
    );
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
  await streamed(
    process.execPath,
    [tsc, '-b'],
    root,
    log,
    'tsc -b (fix the errors above, or pass --no-build to use the dist/ folders as they are)',
  );
  log(`built in ${since(t0)}`);
}

/** The engine's version when it answers within a second, else undefined. */
async function dockerVersion(): Promise<string | undefined> {
  const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000).unref());
  return Promise.race([
    new Dockerode().version().then(
      (v) => v.Version,
      () => undefined,
    ),
    timeout,
  ]);
}

/**
 * scripts/ensure-docker.sh, unless it passed before with the same script and the engine still
 * answers with the same version (its checks cost ~0.7 s of every `up`): its stamp is
 * .kubelab/host-checked; removing it makes the next `up` check the host again.
 */
export async function ensureDocker(
  root: string,
  log: Log,
  engineVersion: () => Promise<string | undefined> = dockerVersion,
): Promise<void> {
  const t0 = Date.now();
  const script = join(root, 'scripts', 'ensure-docker.sh');
  const stampFile = join(root, '.kubelab', 'host-checked');
  // What the script checks depends on it and on KUBELAB_OFFLINE_IMAGES (which it reads).
  const scriptHash = createHash('sha256')
    .update(await readFile(script))
    .update(`offline=${process.env.KUBELAB_OFFLINE_IMAGES ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  const [version, stamp] = await Promise.all([engineVersion(), readFile(stampFile, 'utf8').catch(() => '')]);
  if (version && stamp.trim() === `${scriptHash} ${version}`) {
    log(
      `Docker engine ${version} answers (${since(t0)}); host packages checked before (rm ${join('.kubelab', 'host-checked')} to check again)`,
    );
    return;
  }
  await streamed('bash', [script], root, log, 'scripts/ensure-docker.sh');
  log(`host checked in ${since(t0)} (scripts/ensure-docker.sh)`);
  const now = await engineVersion();
  if (!now) return;
  await mkdir(join(root, '.kubelab'), { recursive: true });
  await writeFile(stampFile, `${scriptHash} ${now}\n`);
}
