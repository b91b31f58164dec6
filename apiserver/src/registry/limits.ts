/**
 * The limits of what the registry accepts, whichever front end (REST, gRPC) brings it:
 *  - size: etcd refuses any request over its --max-request-bytes (1.5 MiB by default); the
 *    registry measures the txn it is about to send and answers upstream's 413
 *    RequestEntityTooLarge before etcd is asked, so an oversized object never reaches the store
 *    (nor the watch stream that would have carried it);
 *  - nesting: upstream's decoders stop at 10,000 levels; the lab stops at 500, since its YAML
 *    composer and its own recursive code (clones, patches, managedFields) must stay far from the
 *    stack's end, and no Kubernetes object comes near (the deepest pod template path is ~15
 *    levels). Checked without recursion, so a body nested a million levels deep is a 400.
 */
import { ApiError, entityTooLarge } from '@kubelab/proto';
import type { ResourceInfo } from '@kubelab/api';
import type { TxnOp } from '../storage/store.js';

export const MAX_NESTING_DEPTH = 500;

/** The first few segments of a path, for a message that must stay short. */
function shortPath(path: string[]): string {
  const shown = path.slice(0, 4).join('');
  return (path.length > 4 ? `${shown}...` : shown).replace(/^\./, '');
}

export function tooDeep(path: string[], max = MAX_NESTING_DEPTH): ApiError {
  return new ApiError(
    'BadRequest',
    `error decoding body: exceeded max depth of ${max} (under "${shortPath(path)}"): Kubernetes objects nest a few levels, check the document`,
  );
}

/**
 * Throws a 400 when `value` nests objects or arrays deeper than `max`. Every create and update
 * passes here, so the walk allocates nothing per node (no paths, no entry arrays): where the
 * limit was crossed is worked out again, with paths, only for the error.
 */
export function assertNestingDepth(value: unknown, max = MAX_NESTING_DEPTH): void {
  const values: object[] = [];
  const depths: number[] = [];
  if (value !== null && typeof value === 'object') {
    values.push(value);
    depths.push(0);
  }
  while (values.length) {
    const v = values.pop() as Record<string, unknown>;
    const depth = depths.pop()!;
    if (depth >= max) throw tooDeep(pathTooDeep(value, max), max);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x !== null && typeof x === 'object') {
          values.push(x);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      const x = v[k];
      if (x !== null && typeof x === 'object') {
        values.push(x);
        depths.push(depth + 1);
      }
    }
  }
}

/** The path (first levels) of the first object found at depth `max`, in the order assertNestingDepth walks. */
function pathTooDeep(value: unknown, max: number): string[] {
  const stack: { v: unknown; depth: number; path: string[] }[] = [{ v: value, depth: 0, path: [] }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return path;
    // Paths are only kept for the first levels: enough to say where.
    const keep = path.length < 5;
    if (Array.isArray(v))
      v.forEach((x, i) => stack.push({ v: x, depth: depth + 1, path: keep ? [...path, `[${i}]`] : path }));
    else
      for (const [k, x] of Object.entries(v))
        stack.push({ v: x, depth: depth + 1, path: keep ? [...path, `.${k}`] : path });
  }
  return [];
}

/** etcd's default --max-request-bytes. */
export const MAX_ETCD_REQUEST_BYTES = 1_572_864;

/** Protobuf framing of a txn: its header, one compare and one request per op (generous). */
const TXN_OVERHEAD = 64;
const OP_OVERHEAD = 32;

/** The bytes etcd receives for these ops (keys, values, framing), an upper bound. */
export function txnBytes(ops: readonly TxnOp[]): number {
  let n = TXN_OVERHEAD;
  for (const op of ops) {
    n += OP_OVERHEAD + 2 * Buffer.byteLength(op.key);
    if (op.type === 'create' || op.type === 'update') n += op.value.length;
  }
  return n;
}

function tooLarge(info: ResourceInfo, name: string, bytes: number): ApiError {
  return entityTooLarge(
    `${qualifiedName(info)} "${name}" would be ${bytes} bytes in storage, over etcd's limit of ${MAX_ETCD_REQUEST_BYTES} bytes (--max-request-bytes): make the object smaller`,
  );
}

function qualifiedName(info: ResourceInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

/** Throws the 413 when the txn would be over etcd's limit. */
export function assertStorable(info: ResourceInfo, name: string, ops: readonly TxnOp[]): void {
  const bytes = txnBytes(ops);
  if (bytes > MAX_ETCD_REQUEST_BYTES) throw tooLarge(info, name, bytes);
}

const ETCD_TOO_LARGE = /request is too large|received message larger than max/i;

/**
 * etcd's own refusal, should a txn slip past the estimate (an etcd run with a smaller
 * --max-request-bytes): "etcdserver: request is too large", or gRPC's RESOURCE_EXHAUSTED "received
 * message larger than max" when the request is over the limit plus gRPC's overhead. Both are the
 * object's fault, not etcd's: a 413, never a 503 that clients would retry.
 */
export function asTooLarge(err: unknown, info: ResourceInfo, name: string): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  if (!ETCD_TOO_LARGE.test(msg)) return err;
  return entityTooLarge(
    `${qualifiedName(info)} "${name}" is over etcd's request size limit (--max-request-bytes; ${msg.replace(/^etcd: /, 'etcd said: ')}): make the object smaller`,
  );
}
