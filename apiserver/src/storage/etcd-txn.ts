/**
 * The etcd side of the Store's writes: the txn request for a list of TxnOps (each precondition a
 * compare, each write a put — with its lease when it has a TTL — or a delete, and a read of every
 * key for when a precondition fails), and the error of the first failed precondition.
 */
import type { ICompare, IKeyValue, IRequestOp, IResponseOp, ITxnRequest } from 'etcd3';
import { KeyExistsError, RevisionConflictError, type KeyValue, type TxnOp } from './store.js';

export function modEquals(key: string, rev: number): ICompare {
  return { key: Buffer.from(key), target: 'Mod', result: 'Equal', mod_revision: rev };
}

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value,
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
}

/** `leases[i]`: the lease of ops[i]'s put, if it expires. */
export function txnRequest(ops: TxnOp[], leases: (string | undefined)[]): ITxnRequest {
  const compare: ICompare[] = [];
  const success: IRequestOp[] = [];
  for (const [i, op] of ops.entries()) {
    const key = Buffer.from(op.key);
    const lease = leases[i];
    if (op.type === 'create' || op.type === 'update') {
      compare.push(
        op.type === 'create'
          ? { key, target: 'Create', result: 'Equal', create_revision: 0 }
          : modEquals(op.key, op.modRevision),
      );
      success.push({ request_put: lease === undefined ? { key, value: op.value } : { key, value: op.value, lease } });
    } else if (op.type === 'delete') {
      if (op.modRevision !== undefined) compare.push(modEquals(op.key, op.modRevision));
      success.push({ request_delete_range: { key } });
    } else {
      compare.push(modEquals(op.key, op.modRevision));
    }
  }
  const failure: IRequestOp[] = ops.map((op) => ({ request_range: { key: Buffer.from(op.key) } }));
  return { compare, success, failure };
}

/** The first op whose precondition does not hold against the values the failed txn read instead. */
export function txnFailure(ops: TxnOp[], responses: IResponseOp[]): Error {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const raw = responses[i]?.response_range.kvs[0];
    const cur = raw ? toKeyValue(raw) : undefined;
    if (op.type === 'create' && cur) return new KeyExistsError(op.key, cur);
    if (op.type !== 'create' && op.modRevision !== undefined && (cur?.modRevision ?? 0) !== op.modRevision)
      return new RevisionConflictError(op.key, cur);
  }
  return new RevisionConflictError(ops[0]?.key ?? '', undefined);
}

/**
 * The revision of a txn that failed only because an earlier try of it landed (etcd applied it but
 * the answer was lost — "leader changed", a dropped connection — and the call was sent again):
 * every key it puts holds exactly the bytes it puts, all written at one revision. Only asked after
 * a retry; a create's bytes carry its fresh uid, so another writer cannot match them.
 */
export function landedRevision(ops: TxnOp[], responses: IResponseOp[]): number | undefined {
  let rev: number | undefined;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.type !== 'create' && op.type !== 'update') continue;
    const raw = responses[i]?.response_range.kvs[0];
    if (!raw || !Buffer.from(raw.value).equals(op.value)) return undefined;
    const at = Number(raw.mod_revision);
    if (rev !== undefined && at !== rev) return undefined;
    rev = at;
  }
  return rev;
}
