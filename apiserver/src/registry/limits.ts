/**
 * The size limit of what is written to etcd. etcd refuses any request over its
 * --max-request-bytes (1.5 MiB by default): the registry measures the txn it is about to send and
 * answers upstream's 413 RequestEntityTooLarge before etcd is asked, so an oversized object never
 * reaches the store (nor the watch stream that would have carried it).
 */
import { ApiError, entityTooLarge } from '@kubelab/proto';
import type { ResourceInfo } from '@kubelab/api';
import type { TxnOp } from '../storage/store.js';

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

function tooLarge(info: ResourceInfo, name: string, bytes: number | undefined): ApiError {
  const qualified = info.group ? `${info.resource}.${info.group}` : info.resource;
  const size = bytes === undefined ? 'is' : `would be ${bytes} bytes in storage,`;
  return entityTooLarge(`${qualified} "${name}" ${size} over etcd's limit of ${MAX_ETCD_REQUEST_BYTES} bytes (--max-request-bytes): make the object smaller`);
}

/** Throws the 413 when the txn would be over etcd's limit. */
export function assertStorable(info: ResourceInfo, name: string, ops: readonly TxnOp[]): void {
  const bytes = txnBytes(ops);
  if (bytes > MAX_ETCD_REQUEST_BYTES) throw tooLarge(info, name, bytes);
}

/** etcd's own refusal ("etcdserver: request is too large"), should a txn slip past the estimate. */
export function asTooLarge(err: unknown, info: ResourceInfo, name: string): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  return /request is too large/i.test(msg) ? tooLarge(info, name, undefined) : err;
}
