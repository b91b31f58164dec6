/**
 * A build context as data: which files, directories and symlinks go where. Hashing the plan (paths,
 * modes, contents) tells whether an image is up to date without assembling anything; staging
 * writes the plan into a directory for `docker build`.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256File, type FileDigest } from './digest-cache.js';

export type PlanEntry =
  /** A host file copied to `dest` (relative to the context), keeping its mode unless `mode` is given. */
  | { kind: 'file'; dest: string; src: string; mode?: number }
  | { kind: 'data'; dest: string; data: string; mode: number }
  | { kind: 'dir'; dest: string; mode: number }
  | { kind: 'symlink'; dest: string; target: string };

/** Sorted by destination; a later entry for the same destination replaces an earlier one. */
export function normalizePlan(entries: readonly PlanEntry[]): PlanEntry[] {
  const byDest = new Map<string, PlanEntry>();
  for (const e of entries) byDest.set(e.dest.replace(/\/+$/, ''), e);
  return [...byDest.values()].sort((a, b) => (a.dest < b.dest ? -1 : a.dest > b.dest ? 1 : 0));
}

async function fileMode(e: Extract<PlanEntry, { kind: 'file' }>): Promise<number> {
  return e.mode ?? (await stat(e.src)).mode & 0o7777;
}

/** Maps with at most `limit` calls in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** One line per entry (kind, path, mode, content digest or link target), in plan order. */
export async function digestPlan(
  entries: readonly PlanEntry[],
  fileDigest: FileDigest = sha256File,
): Promise<Map<string, string>> {
  const plan = normalizePlan(entries);
  const lines = await mapLimit(plan, 32, async (e) => {
    switch (e.kind) {
      case 'file':
        return `file ${e.dest} ${(await fileMode(e)).toString(8)} ${await fileDigest(e.src)}`;
      case 'data':
        return `data ${e.dest} ${e.mode.toString(8)} ${createHash('sha256').update(e.data).digest('hex')}`;
      case 'dir':
        return `dir ${e.dest} ${e.mode.toString(8)}`;
      case 'symlink':
        return `symlink ${e.dest} ${e.target}`;
    }
  });
  return new Map(plan.map((e, i) => [e.dest, lines[i]!]));
}

function sha256(lines: Iterable<string>): string {
  const h = createHash('sha256');
  for (const l of lines) h.update(`${l}\n`);
  return h.digest('hex');
}

/** sha256 over every entry and the `extra` strings. */
export async function hashPlan(entries: readonly PlanEntry[], extra: readonly string[] = []): Promise<string> {
  return sha256([...extra, ...(await digestPlan(entries)).values()]);
}

/** The first path segment: the unit that staging keeps or redoes. */
const topOf = (dest: string): string => dest.split('/')[0]!;
const MARK = '.kubelab-stage';

/**
 * Writes the plan into `dir`. Each top-level folder of the context (e.g. app/, modules/) whose
 * digest equals the one recorded at its last staging is kept as it is; the others are written
 * again from scratch. Files are copied, never hard linked: modes may differ from the host's.
 */
export async function stagePlan(
  dir: string,
  entries: readonly PlanEntry[],
  digests?: Map<string, string>,
): Promise<void> {
  const plan = normalizePlan(entries);
  const lines = digests ?? (await digestPlan(plan));
  const groups = new Map<string, PlanEntry[]>();
  for (const e of plan) {
    const group = groups.get(topOf(e.dest));
    if (group) group.push(e);
    else groups.set(topOf(e.dest), [e]);
  }
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    const owner = name.startsWith(`${MARK}-`) ? name.slice(MARK.length + 1) : name;
    if (!groups.has(owner)) await rm(join(dir, name), { recursive: true, force: true });
  }
  for (const [top, group] of groups) {
    const digest = sha256(group.map((e) => lines.get(e.dest) ?? `${e.kind} ${e.dest}`));
    const single = group.length === 1 && group[0]!.dest === top;
    const mark = join(dir, `${MARK}-${top}`);
    if (!single && (await readFile(mark, 'utf8').catch(() => '')) === digest) continue;
    await rm(mark, { force: true });
    await rm(join(dir, top), { recursive: true, force: true });
    await writeGroup(dir, group);
    if (!single) await writeFile(mark, digest);
  }
}

async function writeGroup(dir: string, plan: PlanEntry[]): Promise<void> {
  const made = new Set<string>();
  for (const e of plan) {
    const d = join(dir, e.kind === 'dir' ? e.dest : dirname(e.dest));
    if (!made.has(d)) await mkdir(d, { recursive: true });
    made.add(d);
  }
  const dirs: { path: string; mode: number }[] = [];
  await mapLimit(plan, 32, async (e) => {
    const path = join(dir, e.dest);
    switch (e.kind) {
      case 'file':
        await copyFile(e.src, path);
        await chmod(path, await fileMode(e));
        break;
      case 'data':
        await writeFile(path, e.data);
        await chmod(path, e.mode);
        break;
      case 'dir':
        dirs.push({ path, mode: e.mode });
        break;
      case 'symlink':
        await symlink(e.target, path);
        break;
    }
  });
  // Directory modes last: a read-only directory must not stop files from being written into it.
  for (const d of dirs.sort((x, y) => y.path.length - x.path.length)) await chmod(d.path, d.mode);
}
