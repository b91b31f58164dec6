/**
 * /app of the kubelab image: the root package.json, every workspace's package.json + dist/ (tests
 * left out) + .proto files, and node_modules without the packages only devDependencies need (the
 * lock file marks them `dev`). Workspace symlinks (node_modules/@kubelab/x → ../../x) stay as they
 * are, so they resolve inside /app too. Dependencies and code are separate plans (two images), so
 * that a change of code sends and copies only the code.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { PlanEntry } from './plan.js';

interface RootPackage {
  workspaces?: string[];
  devDependencies?: Record<string, string>;
}

interface Lock {
  packages?: Record<string, { dev?: boolean; link?: boolean }>;
}

/** node_modules paths (e.g. "node_modules/typescript") to leave out of a production image. */
export function devOnlyPaths(lock: Lock | undefined, root: RootPackage): Set<string> {
  const out = new Set<string>();
  if (lock?.packages) {
    for (const [path, meta] of Object.entries(lock.packages)) if (path && meta.dev === true) out.add(path);
  } else {
    for (const name of Object.keys(root.devDependencies ?? {})) out.add(`node_modules/${name}`);
  }
  return out;
}

const SKIPPED_FILE = /(\.tsbuildinfo|\.(test|itest|e2e)\.(js|js\.map|d\.ts|d\.ts\.map))$/;

/** Whether a file under a workspace's dist/ belongs in the image. */
export function keepDistFile(name: string): boolean {
  return !SKIPPED_FILE.test(name);
}

type Filter = (relPath: string, isDir: boolean) => boolean;

/** Every file and symlink under `hostDir`, as plan entries below `dest` (POSIX paths). */
async function walk(hostDir: string, dest: string, keep: Filter, rel = ''): Promise<PlanEntry[]> {
  let dirents;
  try {
    dirents = await readdir(join(hostDir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: PlanEntry[] = [];
  for (const d of dirents) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    const hostPath = join(hostDir, r);
    if (d.isSymbolicLink()) {
      if (keep(r, false)) out.push({ kind: 'symlink', dest: posix.join(dest, r), target: await readlink(hostPath) });
    } else if (d.isDirectory()) {
      if (keep(r, true)) out.push(...(await walk(hostDir, dest, keep, r)));
    } else if (d.isFile() && keep(r, false)) {
      out.push({ kind: 'file', dest: posix.join(dest, r), src: hostPath });
    }
  }
  return out;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export interface AppPlan {
  entries: PlanEntry[];
  /** Workspaces without a dist/ (not built): their commands will not start. */
  unbuilt: string[];
}

/** Every workspace's package.json, dist/ (tests left out) and .proto files, below `prefix`. */
export async function appPlan(root: string, prefix = 'app'): Promise<AppPlan> {
  const pkg = await rootPackage(root);
  const entries: PlanEntry[] = [
    { kind: 'file', dest: `${prefix}/package.json`, src: join(root, 'package.json'), mode: 0o644 },
  ];
  const unbuilt: string[] = [];
  for (const ws of pkg.workspaces ?? []) {
    entries.push({
      kind: 'file',
      dest: `${prefix}/${ws}/package.json`,
      src: join(root, ws, 'package.json'),
      mode: 0o644,
    });
    const dist = await walk(join(root, ws, 'dist'), `${prefix}/${ws}/dist`, (r, isDir) => isDir || keepDistFile(r));
    if (dist.length === 0) unbuilt.push(ws);
    entries.push(...dist);
    entries.push(
      ...(await walk(join(root, ws, 'proto'), `${prefix}/${ws}/proto`, (r, isDir) => isDir || r.endsWith('.proto'))),
    );
  }
  return { entries, unbuilt };
}

/** The root node_modules without dev-only packages and .bin, below `prefix`. */
export async function modulesPlan(root: string, prefix = 'app'): Promise<PlanEntry[]> {
  const dev = devOnlyPaths(await readJson<Lock>(join(root, 'package-lock.json')), await rootPackage(root));
  const keep: Filter = (r) =>
    !(r === '.bin' || r.endsWith('/.bin') || r === '.package-lock.json' || dev.has(`node_modules/${r}`));
  return walk(join(root, 'node_modules'), `${prefix}/node_modules`, keep);
}

async function rootPackage(root: string): Promise<RootPackage> {
  const pkg = await readJson<RootPackage>(join(root, 'package.json'));
  if (!pkg) throw new Error(`${join(root, 'package.json')} is missing or not JSON`);
  return pkg;
}
