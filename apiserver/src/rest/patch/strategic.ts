/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), what `kubectl apply`, `edit`,
 * `set image` and `rollout restart` send:
 *   - maps merge recursively, `null` deletes a key;
 *   - lists listed in merge-keys.ts merge element-wise by their key, others are replaced;
 *   - directives: `$patch: replace|delete` (maps and list elements), `$retainKeys`,
 *     `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`; unknown `$` keys are ignored.
 */
import { ApiError } from '@kubelab/proto';
import { listStrategy } from './merge-keys.js';
import { clone, deepEqual, isObject, type JsonObject } from './util.js';

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
  if (Array.isArray(v)) return v.filter((e) => !(isObject(e) && e['$patch'] !== undefined && Object.keys(e).length === 1)).map((e) => stripDirectives(e, path));
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
  if (directive !== undefined) throw new ApiError('BadRequest', `unknown patch directive $patch: ${JSON.stringify(directive)}`);

  const out: JsonObject = clone(original);
  const retain = patch['$retainKeys'];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new ApiError('BadRequest', '$retainKeys must be a list of field names');
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
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
      if (Array.isArray(cur) && Array.isArray(value)) out[field] = cur.filter((x) => !value.some((d) => deepEqual(d, x)));
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
    for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(clone(v));
    return out;
  }
  const key = strategy.key;
  const out: unknown[] = clone(base);
  for (const el of patch) {
    if (!isObject(el)) {
      out.push(clone(el));
      continue;
    }
    const id = el[key];
    const idx = id === undefined ? -1 : out.findIndex((x) => isObject(x) && deepEqual(x[key], id));
    if (el['$patch'] === 'delete') {
      if (idx >= 0) {
        // remove every element carrying that key
        for (let i = out.length - 1; i >= 0; i--) {
          const x = out[i];
          if (isObject(x) && deepEqual(x[key], id)) out.splice(i, 1);
        }
      }
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as JsonObject, el, path);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      const fresh = mergeMap({}, el, path);
      if (fresh !== undefined) out.push(fresh);
    }
  }
  return out;
}

/** `$setElementOrder`: listed elements first, in the given order; the rest keep their order after. */
function reorder(list: unknown[], order: unknown[], strategy: ReturnType<typeof listStrategy>): unknown[] {
  const idOf = (x: unknown): unknown => (strategy.kind === 'merge' && isObject(x) ? x[strategy.key] : x);
  const wanted = order.map(idOf);
  const rank = (x: unknown): number => {
    const i = wanted.findIndex((w) => deepEqual(w, idOf(x)));
    return i < 0 ? wanted.length : i;
  };
  return list
    .map((x, i) => ({ x, i, r: rank(x) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((e) => e.x);
}
