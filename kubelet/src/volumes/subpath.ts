/**
 * The part of a volume a volumeMount asks for, with upstream's kubelet semantics: `subPathExpr`
 * is expanded with the container's environment ($(VAR); a missing or empty variable is an
 * error), `subPath` is taken as written; the result must be relative and may not contain a `..`
 * element, and is cleaned like Go's filepath.Join ("a/./b/" → "a/b", "." → the volume root).
 */
import { posix } from 'node:path';
import { expand } from '../env/expand.js';
import { VolumeSetupError } from './content.js';

type Obj = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** $(VAR) references from env; throws `missing value for A, B` like upstream's ExpandContainerVolumeMounts. */
export function expandSubPathExpr(expr: string, env: ReadonlyMap<string, string>): string {
  const missing = new Set<string>();
  const out = expand(expr, (name) => {
    const v = env.get(name);
    if (v === undefined || v === '') missing.add(name);
    return v ?? '';
  });
  if (missing.size > 0) throw new VolumeSetupError(`missing value for ${[...missing].sort().join(', ')}`);
  return out;
}

/** Throws upstream's errors for an absolute subPath or one with a `..` element; returns it cleaned ("" = the volume root). */
export function checkSubPath(subPath: string): string {
  if (subPath === '') return '';
  if (posix.isAbsolute(subPath))
    throw new VolumeSetupError(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..'))
    throw new VolumeSetupError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  const clean = posix.normalize(subPath).replace(/\/+$/, '');
  return clean === '.' ? '' : clean;
}

/** True when the mount asks for a part of its volume (before expansion). */
export function wantsSubPath(mount: Obj): boolean {
  return str(mount['subPath']) !== '' || str(mount['subPathExpr']) !== '';
}

/** The cleaned sub-path of one volumeMount ("" = the whole volume); subPathExpr wins over subPath, as upstream. */
export function subPathOf(mount: Obj, env: ReadonlyMap<string, string>): string {
  const expr = str(mount['subPathExpr']);
  return checkSubPath(expr !== '' ? expandSubPathExpr(expr, env) : str(mount['subPath']));
}

/**
 * What lstat tells of one path inside a volume: `link` is set for a symbolic link, to where it
 * leads once fully resolved (relative to the volume's root, "" = the root), or null when it
 * leads outside the volume.
 */
export interface VolumePathStat {
  link?: string | null;
}

/**
 * Resolves a cleaned subPath inside its volume the way the engine would, one element at a time,
 * and refuses one that a symbolic link made by the pod leads out of the volume (upstream's fix of
 * CVE-2017-1002101: without it, a link `x -> /` and a mount of subPath `x` bind the node's root).
 * Returns the path with every link resolved, to be bound instead of the one asked for. From the
 * first element that does not exist on, nothing can be a link: the engine makes those directories.
 */
export async function resolveInVolume(
  subPath: string,
  lstat: (rel: string) => Promise<VolumePathStat | undefined>,
): Promise<string> {
  const parts = subPath.split('/').filter((p) => p !== '' && p !== '.');
  let cur = '';
  for (let i = 0; i < parts.length; i++) {
    const next = cur === '' ? parts[i]! : `${cur}/${parts[i]!}`;
    const st = await lstat(next);
    if (!st) return [next, ...parts.slice(i + 1)].join('/');
    if (st.link === undefined) cur = next;
    else if (st.link === null)
      throw new VolumeSetupError(
        `subpath "${subPath}" not within volume path: "${next}" is a symbolic link that leads outside the volume`,
      );
    else cur = st.link;
  }
  return cur;
}
