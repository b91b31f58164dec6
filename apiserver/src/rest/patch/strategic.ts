/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), what `kubectl apply`, `edit`,
 * `set image` and `rollout restart` send:
 *   - maps merge recursively, `null` deletes a key;
 *   - lists listed in merge-keys.ts merge element-wise by their key, others are replaced;
 *   - directives: `$patch: replace|delete` (maps and list elements), `$retainKeys`,
 *     `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`; unknown `$` keys are ignored.
 * List merges look elements up by key in a Map: linear in the sizes of the list and the patch,
 * so a 3 MiB patch of a long list costs milliseconds, not hours.
 */
import { ApiError } from '@kubelab/proto';
import { listStrategy } from './merge-keys.js';
import { clone, isObject, stableKey, type JsonObject } from './util.js';

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Applies `patch` to `original`; neither input is modified. */
export function applyStrategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw new ApiError('BadRequest', 'a strategic merge patch must be a JSON object');
  const merged = mergeMap(isObject(original) ? original : {}, patch, []);
  return merged ?? {};
}

/** Drops directives from a value that is stored as is (a new list element, a replaced map). */
function stripDirectives(v: unknown, path: string[]): unknown {
  if (Array.isArray(v))
    return v
      .filter((e) => !(isObject(e) && e['$patch'] !== undefined && Object.keys(e).length === 1))
      .map((e) => stripDirectives(e, path));
  if (!isObject(v)) return v;
  return mergeMap({}, v, path) ?? {};
}

/** Returns undefined when the patch deletes the whole map (`$patch: delete`). */
function mergeMap(original: JsonObject, patch: JsonObject, path: string[]): JsonObject | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return stripDirectives(rest, path) as JsonObject;
  }
  if (directive !== undefined)
    throw new ApiError('BadRequest', `unknown patch directive $patch: ${JSON.stringify(directive)}`);

  const out: JsonObject = clone(original);
  const retain = patch['$retainKeys'];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new ApiError('BadRequest', '$retainKeys must be a list of field names');
    const keep = new Set(retain);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    const childPath = [...path, key];
    if (value === null) {
      delete out[key];
    } else if (isObject(value)) {
      const merged = mergeMap(isObject(out[key]) ? (out[key] as JsonObject) : {}, value, childPath);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value)) {
      out[key] = mergeList(out[key], value, childPath);
    } else {
      out[key] = value;
    }
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const field = key.slice(DELETE_PRIMITIVE.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(value)) {
        const drop = new Set(value.map(stableKey));
        out[field] = cur.filter((x) => !drop.has(stableKey(x)));
      }
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(SET_ORDER)) {
      const field = key.slice(SET_ORDER.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(value)) out[field] = reorder(cur, value, listStrategy([...path, field]));
    }
  }
  return out;
}

function mergeList(original: unknown, patch: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(path);
  const base = Array.isArray(original) ? original : [];
  if (patch.some((e) => isObject(e) && e['$patch'] === 'replace')) {
    return stripDirectives(
      patch.filter((e) => !(isObject(e) && e['$patch'] === 'replace')),
      path,
    ) as unknown[];
  }
  if (strategy.kind === 'replace') return stripDirectives(patch, path) as unknown[];
  if (strategy.kind === 'set') {
    const out = clone(base);
    const seen = new Set(out.map(stableKey));
    for (const v of patch) {
      const k = stableKey(v);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(clone(v));
    }
    return out;
  }
  return mergeKeyedList(clone(base), patch, strategy.key, path);
}

/** Merges patch elements into `out` by their `key` field; deleted elements are dropped at the end. */
function mergeKeyedList(out: unknown[], patch: unknown[], key: string, path: string[]): unknown[] {
  const at = new Map<string, number[]>();
  const index = (x: unknown, i: number): void => {
    if (!isObject(x) || x[key] === undefined) return;
    const k = stableKey(x[key]);
    const list = at.get(k);
    if (list) list.push(i);
    else at.set(k, [i]);
  };
  out.forEach(index);
  const removed = new Set<number>();
  for (const el of patch) {
    if (!isObject(el)) {
      out.push(clone(el));
      continue;
    }
    const k = el[key] === undefined ? undefined : stableKey(el[key]);
    const live = k === undefined ? [] : (at.get(k) ?? []).filter((i) => !removed.has(i));
    if (el['$patch'] === 'delete') {
      // every element carrying that key goes
      for (const i of live) removed.add(i);
      continue;
    }
    const idx = live[0];
    if (idx !== undefined) {
      const merged = mergeMap(out[idx] as JsonObject, el, path);
      if (merged === undefined) removed.add(idx);
      else out[idx] = merged;
    } else {
      const fresh = mergeMap({}, el, path);
      if (fresh === undefined) continue;
      out.push(fresh);
      index(fresh, out.length - 1);
    }
  }
  return removed.size ? out.filter((_, i) => !removed.has(i)) : out;
}

/** `$setElementOrder`: listed elements first, in the given order; the rest keep their order after. */
function reorder(list: unknown[], order: unknown[], strategy: ReturnType<typeof listStrategy>): unknown[] {
  const idOf = (x: unknown): unknown => (strategy.kind === 'merge' && isObject(x) ? x[strategy.key] : x);
  const wanted = new Map<string, number>();
  order.forEach((o, i) => {
    const k = stableKey(idOf(o));
    if (!wanted.has(k)) wanted.set(k, i);
  });
  const rank = (x: unknown): number => wanted.get(stableKey(idOf(x))) ?? order.length;
  return list
    .map((x, i) => ({ x, i, r: rank(x) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((e) => e.x);
}
