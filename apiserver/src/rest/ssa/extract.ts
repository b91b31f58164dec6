/**
 * Objects ↔ field sets: which fields an object (or an applied configuration) sets, the value at a
 * field path, and removing a path. Lists with a merge key are associative (`k:{...}` items), sets
 * of scalars (`v:`), every other list is atomic (one leaf), as upstream's schemas say.
 */
import { isDeepStrictEqual } from 'node:util';
import { listStrategy } from '../patch/merge-keys.js';
import { FieldSet, type FieldPath, type PathElement } from './fieldset.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Fields nobody owns: identity, server-set metadata, and status (a subresource of its own). */
const IGNORED_TOP = new Set(['apiVersion', 'kind', 'status']);
const IGNORED_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/** Maps (string → value) that upstream marks as members themselves ("."), in Update entries. */
const GRANULAR_MAPS = new Set([
  'labels',
  'annotations',
  'matchLabels',
  'nodeSelector',
  'data',
  'stringData',
  'binaryData',
]);

/** The key fields of an associative list item, as in `k:{"containerPort":80,"protocol":"TCP"}`. */
function itemKey(field: string, key: string, item: Obj): Obj | undefined {
  if (!(key in item)) return undefined;
  const out: Obj = { [key]: item[key] };
  // Ports are keyed by port and protocol; a missing protocol is its default, TCP (as upstream keys them).
  if (field === 'ports' && (key === 'containerPort' || key === 'port')) out['protocol'] = item['protocol'] ?? 'TCP';
  const sorted: Obj = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k];
  return sorted;
}

const isLabelSelector = (names: string[], v: Obj): boolean =>
  /(^s|S)elector$/.test(names[names.length - 1] ?? '') && ('matchLabels' in v || 'matchExpressions' in v);

export interface FieldsOptions {
  /** Mark granular maps as members (Update entries do, Apply entries don't). */
  mapMarkers?: boolean;
}

/** The field set of an object: its leaves, associative list items, and (optionally) map markers. */
export function fieldsOf(obj: unknown, opts: FieldsOptions = {}): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, path: PathElement[], names: string[]): void => {
    if (Array.isArray(v)) {
      const st = listStrategy(names);
      const field = names[names.length - 1] ?? '';
      if (st.kind === 'merge' && v.every((e) => isObj(e) && itemKey(field, st.key, e))) {
        for (const e of v as Obj[]) {
          const p = [...path, `k:${JSON.stringify(itemKey(field, st.key, e))}`];
          set.add(p);
          walkObj(e, p, names);
        }
        return;
      }
      if (st.kind === 'set' && v.every((e) => e === null || typeof e !== 'object')) {
        for (const e of v) set.add([...path, `v:${JSON.stringify(e)}`]);
        return;
      }
      set.add(path);
      return;
    }
    if (isObj(v) && isLabelSelector(names, v)) {
      set.add(path); // LabelSelector is an atomic struct upstream
      return;
    }
    if (isObj(v)) {
      const keys = Object.keys(v);
      if (keys.length === 0 || (opts.mapMarkers && GRANULAR_MAPS.has(names[names.length - 1] ?? ''))) set.add(path);
      walkObj(v, path, names);
      return;
    }
    set.add(path);
  };
  const walkObj = (o: Obj, path: PathElement[], names: string[]): void => {
    for (const [k, child] of Object.entries(o)) walk(child, [...path, `f:${k}`], [...names, k]);
  };
  if (!isObj(obj)) return set;
  for (const [k, child] of Object.entries(obj)) {
    if (IGNORED_TOP.has(k)) continue;
    if (k === 'metadata' && isObj(child)) {
      for (const [mk, mv] of Object.entries(child))
        if (!IGNORED_META.has(mk)) walk(mv, ['f:metadata', `f:${mk}`], ['metadata', mk]);
      continue;
    }
    walk(child, [`f:${k}`], [k]);
  }
  return set;
}

function matchesKey(item: unknown, keys: Obj): boolean {
  // A missing protocol matches its default (see itemKey).
  return (
    isObj(item) &&
    Object.entries(keys).every(([k, v]) => isDeepStrictEqual(item[k] ?? (k === 'protocol' ? 'TCP' : undefined), v))
  );
}

function step(container: unknown, e: PathElement): { found: boolean; value: unknown; index?: number; key?: string } {
  const body = e.slice(2);
  if (e.startsWith('f:')) {
    if (!isObj(container) || !(body in container)) return { found: false, value: undefined };
    return { found: true, value: container[body], key: body };
  }
  if (!Array.isArray(container)) return { found: false, value: undefined };
  let index = -1;
  if (e.startsWith('k:')) {
    const keys = JSON.parse(body) as Obj;
    index = container.findIndex((it) => matchesKey(it, keys));
  } else if (e.startsWith('v:')) {
    const want: unknown = JSON.parse(body);
    index = container.findIndex((it) => isDeepStrictEqual(it, want));
  } else if (e.startsWith('i:')) {
    index = Number(body) < container.length ? Number(body) : -1;
  }
  return index < 0 ? { found: false, value: undefined } : { found: true, value: container[index], index };
}

/** The value at a path; `found` is false when any step is missing. */
export function valueAt(obj: unknown, path: FieldPath): { found: boolean; value: unknown } {
  let cur: unknown = obj;
  for (const e of path) {
    const s = step(cur, e);
    if (!s.found) return { found: false, value: undefined };
    cur = s.value;
  }
  return { found: true, value: cur };
}

/** Removes what a path addresses; maps left empty by it are pruned too (never the top level). */
export function removePath(obj: Obj, path: FieldPath): void {
  if (path.length === 0) return;
  const chain: unknown[] = [obj];
  let cur: unknown = obj;
  for (const e of path.slice(0, -1)) {
    const s = step(cur, e);
    if (!s.found) return;
    cur = s.value;
    chain.push(cur);
  }
  const last = step(cur, path[path.length - 1]!);
  if (!last.found) return;
  if (last.key !== undefined && isObj(cur)) delete cur[last.key];
  else if (last.index !== undefined && Array.isArray(cur)) cur.splice(last.index, 1);
  // Prune maps emptied by the removal, bottom-up, below the first level (metadata, spec stay).
  for (let i = chain.length - 1; i >= 2; i--) {
    const c = chain[i];
    if (!isObj(c) || Object.keys(c).length > 0) break;
    const parent = chain[i - 1];
    const e = path[i - 1]!;
    if (isObj(parent) && e.startsWith('f:')) delete parent[e.slice(2)];
    else break;
  }
}

/** Paths of `next` whose value is new or different from `prev` (list items: new ones). */
export function changedFields(prev: unknown, next: unknown, opts: FieldsOptions = {}): FieldSet {
  const out = new FieldSet();
  for (const p of fieldsOf(next, opts).paths()) {
    const before = valueAt(prev, p);
    const after = valueAt(next, p);
    // Items and member maps are new or not; changes inside them show in their own leaves.
    const structural = isItem(p) || (isObj(after.value) && Object.keys(after.value).length > 0);
    if (!before.found || (!structural && !isDeepStrictEqual(before.value, after.value))) out.add(p);
  }
  return out;
}

/** True when a path names a list item (its value is the whole item, not a field). */
export const isItem = (p: FieldPath): boolean => {
  const last = p[p.length - 1] ?? '';
  return last.startsWith('k:') || last.startsWith('i:');
};
