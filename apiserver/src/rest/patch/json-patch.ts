/**
 * JSON patch (RFC 6902): add, remove, replace, move, copy, test, on JSON pointers (RFC 6901).
 * Bounded as upstream since CVE-2019-1002100: at most 10,000 operations (413), and `copy`
 * operations may add at most 3 MiB in total (422), so a small patch cannot grow an object
 * exponentially by copying a value onto itself.
 */
import { ApiError, entityTooLarge } from '@kubelab/proto';
import { clone, deepEqual, isObject, type JsonObject } from './util.js';

/** Upstream's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;
/** Upstream's JSONPatchMaxCopyBytes: twice etcd's request limit. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function invalid(message: string): ApiError {
  return new ApiError('Invalid', `the server rejected our request due to an error in our request: ${message}`, {
    causes: [{ message }],
  });
}

export function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw invalid(`invalid JSON pointer "${p}"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean, path: string): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw invalid(`invalid array index "${token}" in "${path}"`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw invalid(`array index ${i} out of bounds in "${path}"`);
  return i;
}

/** Walks to the parent container of the pointer's last token. */
function parentOf(doc: unknown, tokens: string[], path: string): { parent: unknown; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false, path)];
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw invalid(`path "${path}" does not exist`);
  }
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false, path)];
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw invalid(`path "${path}" does not exist`);
  }
  return cur;
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, path), 0, value);
  else if (isObject(parent)) parent[key] = value;
  else throw invalid(`path "${path}" does not exist`);
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw invalid('cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false, path), 1);
  else if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, key)) delete (parent as JsonObject)[key];
  else throw invalid(`path "${path}" does not exist`);
  return doc;
}

function replace(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, false, path)] = value;
  else if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, key)) parent[key] = value;
  else throw invalid(`path "${path}" does not exist`);
  return doc;
}

function parseOps(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw new ApiError('BadRequest', 'a JSON patch must be an array of operations');
  if (patch.length > MAX_JSON_PATCH_OPERATIONS)
    throw entityTooLarge(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  return patch.map((o, i) => {
    if (!isObject(o) || typeof o['op'] !== 'string' || typeof o['path'] !== 'string') {
      throw new ApiError('BadRequest', `JSON patch operation ${i} needs string "op" and "path"`);
    }
    const op: Operation = { op: o['op'], path: o['path'] };
    if (typeof o['from'] === 'string') op.from = o['from'];
    if ('value' in o) op.value = o['value'];
    return op;
  });
}

/** A deep copy of `value` for a copy operation, counted against the copy budget. */
function copied(value: unknown, budget: { used: number }): unknown {
  const text = JSON.stringify(value);
  budget.used += Buffer.byteLength(text);
  if (budget.used > MAX_JSON_PATCH_COPY_BYTES) {
    throw invalid(
      `Unable to complete the copy, the accumulated size increase of copy is ${budget.used}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`,
    );
  }
  return JSON.parse(text) as unknown;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  let doc = clone(target);
  const budget = { used: 0 };
  for (const op of parseOps(patch)) {
    const needsValue = op.op === 'add' || op.op === 'replace' || op.op === 'test';
    if (needsValue && !('value' in op))
      throw new ApiError('BadRequest', `JSON patch "${op.op}" at "${op.path}" needs a value`);
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, clone(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        doc = replace(doc, op.path, clone(op.value));
        break;
      case 'move': {
        if (op.from === undefined) throw new ApiError('BadRequest', `JSON patch "move" at "${op.path}" needs "from"`);
        if (op.path.startsWith(`${op.from}/`))
          throw invalid(`cannot move "${op.from}" into its own child "${op.path}"`);
        const v = getAt(doc, op.from);
        doc = add(remove(doc, op.from), op.path, v);
        break;
      }
      case 'copy': {
        if (op.from === undefined) throw new ApiError('BadRequest', `JSON patch "copy" at "${op.path}" needs "from"`);
        doc = add(doc, op.path, copied(getAt(doc, op.from), budget));
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, op.path), op.value)) throw invalid(`testing value ${op.path} failed`);
        break;
      default:
        throw new ApiError('BadRequest', `unknown JSON patch operation "${op.op}"`);
    }
  }
  return doc;
}
