/** Create: name generation, server-set metadata, defaults, validation, namespace checks, one txn. */
import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, badRequest, notFound } from '@kubelab/proto';
import {
  apiVersionOf,
  applyDefaults,
  assertValid,
  generateName,
  resourceInfo,
  type KubeObject,
  type ResourceInfo,
} from '@kubelab/api';
import { KeyExistsError, RevisionConflictError, type TxnOp } from '../storage/store.js';
import { cloneJson } from './clone.js';
import type { Core } from './core.js';
import { assertNestingDepth, asTooLarge, assertStorable } from './limits.js';
import type { Strategy } from './strategy.js';
import type { WriteOptions } from './types.js';

// managedFields are not server-set here: the REST facade computes them (rest/ssa) before the create.
const SERVER_SET = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'selfLink',
];
const NAMESPACES = resourceInfo('namespaces')!;

export const NAMESPACE_MISMATCH =
  'the namespace of the provided object does not match the namespace sent on the request';

export function assertObject(obj: unknown): asserts obj is KubeObject {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw badRequest('the request body must be a JSON object');
  const meta = (obj as KubeObject).metadata;
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta)))
    throw badRequest('metadata must be an object');
  // The REST facade checked its bodies already; gRPC objects are checked here.
  assertNestingDepth(obj);
}

/** The namespace an object is stored under: the request's, which the body may repeat but not contradict. */
export function resolveNamespace(info: ResourceInfo, requested: string, obj: KubeObject): string {
  if (!info.namespaced) {
    delete obj.metadata.namespace;
    return '';
  }
  const body = obj.metadata.namespace;
  if (requested && body && body !== requested) throw badRequest(NAMESPACE_MISMATCH);
  const ns = requested || body || 'default';
  obj.metadata.namespace = ns;
  return ns;
}

const terminating = (ns: KubeObject): boolean =>
  !!ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating';

/**
 * The namespace's revision, to be re-checked in the txn; 404 if missing, 403 if terminating.
 * Read from core.namespaces unless `fresh`: the create's txn compares the revision, so a stale
 * entry only fails that txn, and the retry reads afresh.
 */
async function namespaceGuard(
  core: Core,
  info: ResourceInfo,
  ns: string,
  name: string,
  fresh: boolean,
): Promise<TxnOp> {
  const cache = core.namespaces;
  let cur = fresh ? undefined : cache.get(ns);
  // Only a namespace that is there is taken from the cache (the txn checks it): a refusal is
  // decided on a fresh read, as the entry may be of a namespace deleted and made again since.
  if (cur && terminating(cur.obj)) cur = undefined;
  if (!cur) {
    cur = await core.get(NAMESPACES, '', ns);
    if (cur) {
      if (cache.size >= 10_000) cache.clear();
      cache.set(ns, cur);
    } else cache.delete(ns);
  }
  if (!cur) throw notFound('namespaces', ns);
  if (terminating(cur.obj)) {
    throw new ApiError(
      'Forbidden',
      `${info.resource} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
      {
        name,
        kind: info.resource,
        group: info.group || undefined,
      },
    );
  }
  return { type: 'check', key: core.key(NAMESPACES, '', ns), modRevision: cur.rev };
}

export async function createObject(
  core: Core,
  strategy: Strategy,
  resource: string,
  namespace: string,
  input: KubeObject,
  opts: WriteOptions = {},
): Promise<KubeObject> {
  assertObject(input);
  const info = core.info(resource);
  // apiVersion and kind first, as upstream serializes objects, whatever order the body had.
  // One deep copy of the input per attempt (the attempt mutates it: defaults, admission).
  const fresh = (): KubeObject => {
    const { apiVersion: _v, kind: _k, ...rest } = cloneJson(input);
    const o: KubeObject = { apiVersion: apiVersionOf(info), kind: info.kind, ...rest };
    o.metadata = o.metadata ?? {};
    for (const f of SERVER_SET) delete o.metadata[f];
    return o;
  };
  const first = fresh();
  const ns = resolveNamespace(info, namespace, first);
  const generated = !first.metadata.name && !!first.metadata.generateName;

  for (let attempt = 0; ; attempt++) {
    const obj = attempt === 0 ? first : fresh();
    if (attempt > 0) resolveNamespace(info, namespace, obj);
    if (generated) obj.metadata.name = generateName(obj.metadata.generateName!);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = core.now();
    obj.metadata.generation = 1;
    applyDefaults(resource, obj);
    await strategy.admit?.(obj);
    strategy.prepareForCreate?.(obj);
    assertValid(resource, obj);
    const name = obj.metadata.name!;
    const key = core.key(info, ns, name);
    // A dry run has no txn to catch a stale namespace: it reads afresh, as does every retry.
    const guard = info.namespaced ? [await namespaceGuard(core, info, ns, name, !!opts.dryRun || attempt > 0)] : [];
    // Checked up front when the outcome matters before the txn (dry-run, allocations).
    if ((opts.dryRun || strategy.sideEffects) && !generated && (await core.store.get(key)))
      throw alreadyExists(info.resource, name, info.group);
    if (opts.dryRun) {
      assertStorable(info, name, [{ type: 'create', key, value: core.encode(obj) }, ...guard]);
      return obj;
    }
    // Side effects may fill allocated values into obj: encode it after them.
    const extra = (await strategy.sideEffects?.(obj, undefined)) ?? [];
    const ops: TxnOp[] = [
      { type: 'create', key, value: core.encode(obj), ttlSeconds: core.ttl(info) },
      ...guard,
      ...extra,
    ];
    assertStorable(info, name, ops);
    try {
      const rev = await core.txn(ops);
      obj.metadata.resourceVersion = String(rev);
      return obj;
    } catch (err) {
      if (err instanceof KeyExistsError && err.key === key) {
        if (generated && attempt < 5) continue;
        const existing = err.current ? core.decodeKv(err.current) : undefined;
        const e = alreadyExists(info.resource, name, info.group);
        if (existing?.metadata.deletionTimestamp)
          throw new ApiError('AlreadyExists', `object is being deleted: ${e.message}`, e.details);
        throw e;
      }
      // A namespace or an allocation changed under us: look again (each round lets one racer win).
      if ((err instanceof KeyExistsError || err instanceof RevisionConflictError) && attempt < 100) continue;
      throw asTooLarge(err, info, name);
    }
  }
}
