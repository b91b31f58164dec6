/** The shared libraries a host binary loads, as `ldd` lists them (the dynamic loader included). */
import { run } from '../exec.js';

export interface LddResult {
  /** False for a static binary. */
  dynamic: boolean;
  /** Absolute paths, in ldd's order; the vDSO (no file) is left out. */
  paths: string[];
  /** Sonames ldd could not find. */
  missing: string[];
}

export function parseLdd(text: string): LddResult {
  if (/not a dynamic executable|statically linked/.test(text)) return { dynamic: false, paths: [], missing: [] };
  const paths: string[] = [];
  const missing: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(line);
    if (arrow) {
      const target = arrow[2]!.trim();
      if (target.startsWith('not found')) missing.push(arrow[1]!);
      else if (target.startsWith('/')) paths.push(target.replace(/\s+\(0x[0-9a-f]+\)$/, ''));
      continue;
    }
    const direct = /^(\/\S+)(\s+\(0x[0-9a-f]+\))?$/.exec(line);
    if (direct) paths.push(direct[1]!);
  }
  return { dynamic: true, paths: [...new Set(paths)], missing };
}

export async function ldd(binary: string): Promise<LddResult> {
  let r;
  try {
    r = await run('ldd', [binary]);
  } catch {
    throw new Error(
      `ldd is needed to build the offline images (it lists ${binary}'s shared libraries): install libc-bin, or set KUBELAB_OFFLINE_IMAGES=0 where a registry is reachable`,
    );
  }
  const result = parseLdd(`${r.stdout}\n${r.stderr}`);
  if (r.code !== 0 && result.dynamic) throw new Error(`ldd ${binary} exited with code ${r.code}: ${r.stderr.trim()}`);
  if (result.missing.length > 0)
    throw new Error(`${binary} needs ${result.missing.join(', ')}, which ldd cannot find on this host`);
  return result;
}

const STANDARD_LIB_DIR = /^\/(usr\/)?lib(32|64|x32)?(\/[a-z0-9_]+-linux-gnu[a-z0-9_]*)?$/;

/** True when the dynamic loader finds `dir` without /etc/ld.so.cache (a trusted system directory). */
export function isStandardLibDir(dir: string): boolean {
  return STANDARD_LIB_DIR.test(dir);
}
