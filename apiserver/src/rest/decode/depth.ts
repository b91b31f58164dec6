/**
 * The nesting limit of request bodies. Upstream's decoders stop at 10,000 levels; the lab stops
 * at 500: its YAML composer and its own recursive code (clones, patches, managedFields) must stay
 * far from the stack's end, and no Kubernetes object comes near (the deepest pod template path
 * is ~15 levels). Checked without recursion, so a body nested a million levels deep is a 400.
 */
import { ApiError } from '@kubelab/proto';

export const MAX_NESTING_DEPTH = 500;

/** The first few segments of a path, for a message that must stay short. */
function shortPath(path: string[]): string {
  const shown = path.slice(0, 4).join('');
  return (path.length > 4 ? `${shown}...` : shown).replace(/^\./, '');
}

export function tooDeep(path: string[], max = MAX_NESTING_DEPTH): ApiError {
  return new ApiError('BadRequest', `error decoding body: exceeded max depth of ${max} (under "${shortPath(path)}"): Kubernetes objects nest a few levels, check the document`);
}

/** Throws a 400 when `value` nests objects or arrays deeper than `max`. */
export function assertNestingDepth(value: unknown, max = MAX_NESTING_DEPTH): void {
  const stack: { v: unknown; depth: number; path: string[] }[] = [{ v: value, depth: 0, path: [] }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) throw tooDeep(path, max);
    // Paths are only kept for the first levels: enough to say where.
    const keep = path.length < 5;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, depth: depth + 1, path: keep ? [...path, `[${i}]`] : path }));
    else for (const [k, x] of Object.entries(v)) stack.push({ v: x, depth: depth + 1, path: keep ? [...path, `.${k}`] : path });
  }
}
